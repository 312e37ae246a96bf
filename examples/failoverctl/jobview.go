package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// printJob writes a job for people, to a printer: its values are made visible here, since a
// newline in one would end its line: what it is, where it stands, what it created and which
// credential sets it used (by origin, version and fingerprint only). detailed adds every
// step with its timing and the ledger.
func printJob(w *printer, job *failover.Job, detailed bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", fkerrors.Visible(k), fkerrors.Visible(v)) }
	fmt.Fprintf(tw, "job %s\t%s\t%s\n", fkerrors.Visible(job.ID), fkerrors.Visible(string(job.Kind)), fkerrors.Visible(strings.ToUpper(string(job.Status))))
	f := job.Facts
	src := job.Request.VM.String()
	if f.SourceVMPath != "" {
		src = f.SourceVMPath
	}
	row("source VM", src)
	if f.TargetName != "" {
		target := f.TargetName
		if id := createdVM(job); id != "" {
			target += " (id " + id + ")"
		}
		row("CloudStack VM", target)
	}
	var vols []string
	for _, v := range job.Request.Volumes {
		s := v.ID
		if v.Boot {
			s += " (boot)"
		}
		vols = append(vols, s)
	}
	row("volumes", strings.Join(vols, ", "))
	for _, c := range job.Credentials {
		why := c.Reason
		if c.Step != "" {
			why += " at " + string(c.Step)
		}
		row(string(c.Kind)+" credentials", c.Meta.Describe()+" ("+why+")")
	}
	if job.FailedStep != "" {
		row("failed step", string(job.FailedStep))
	}
	if job.Error != "" {
		row("error", forCLI(job.Error))
	}
	if c := job.Cleanup; c != nil {
		outcome := string(c.Outcome)
		if outcome == "" {
			outcome = "not finished"
		}
		row(c.Trigger, outcome)
		for _, f := range c.Failures {
			row("  undo failure", forCLI(f))
		}
	}
	if job.ExpiresAt != nil {
		row("expires", job.ExpiresAt.Local().Format(time.DateTime)+" (failoverctl rollback --expired rolls it back after that)")
	}
	row("created", job.CreatedAt.Local().Format(time.DateTime))
	row("updated", job.UpdatedAt.Local().Format(time.DateTime))
	if detailed {
		fmt.Fprintln(tw, "  steps:")
		for _, s := range job.Steps {
			name := s.Name
			if s.Undo {
				name = "undo " + name
			}
			took := ""
			if !s.FinishedAt.IsZero() {
				took = round(s.FinishedAt.Sub(s.StartedAt)).String()
			}
			line := fmt.Sprintf("    %s\t%s\t%s", fkerrors.Visible(string(name)), fkerrors.Visible(string(s.Status)), took)
			if s.Error != "" {
				line += "\t" + fkerrors.Visible(forCLI(s.Error))
			}
			fmt.Fprintln(tw, line)
		}
		fmt.Fprintf(tw, "  ledger:\t%d entries\n", len(job.Ledger))
		for _, e := range job.Ledger {
			what := e.Resource
			if what == "" {
				what = e.Name
			}
			if e.Volume != "" && e.Volume != what {
				what += " volume " + e.Volume
			}
			fmt.Fprintf(tw, "    %d\t%s\t%s\t%s\n", e.Seq, fkerrors.Visible(string(e.Action)), fkerrors.Visible(string(e.State)), fkerrors.Visible(what))
		}
	}
	_ = tw.Flush()
}

// createdVM returns the id of the VM the job created, from its ledger.
func createdVM(job *failover.Job) string {
	for _, e := range job.Ledger {
		if e.Action == failover.ActionVMCreate && e.State == failover.LedgerDone {
			return e.Resource
		}
	}
	return ""
}

// printJobs writes one line per job.
func printJobs(w *printer, jobs []*failover.Job) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tKIND\tSTATUS\tSOURCE VM\tUPDATED")
	for _, j := range jobs {
		src := j.Request.VM.String()
		if j.Facts.SourceVMPath != "" {
			src = j.Facts.SourceVMPath
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", fkerrors.Visible(j.ID), fkerrors.Visible(string(j.Kind)), fkerrors.Visible(string(j.Status)), fkerrors.Visible(src), j.UpdatedAt.Local().Format(time.DateTime))
	}
	_ = tw.Flush()
}

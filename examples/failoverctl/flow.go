package main

import (
	"github.com/spf13/cobra"

	"github.com/ossea-migrate/failoverkit/failover"
)

// flowCommand is `test` or `live`.
func (a *app) flowCommand(name string) *cobra.Command {
	live := name == "live"
	var (
		rf             requestFlags
		thenRollback   bool
		noCompensation bool
	)
	kind, short := failover.KindTestFailover, "Test failover: bring the replicated VM up in CloudStack, leaving the source VM running"
	if live {
		kind, short = failover.KindLiveFailover, "Live failover: power the source VM off and bring it up in CloudStack for real"
	}
	cmd := &cobra.Command{
		Use:   name + " [flags]",
		Short: short,
		Long: short + `.

The replicated volumes are snapshotted first (rollback protection), moved from the appliance
VM onto a new VM shaped like the source, and the VM is started. A failed flow is undone at
once unless --no-compensation. Undo a finished one with "failoverctl rollback JOB".

With no credential source flag this runs against in-process simulators, failing over their
first source VM; add --then-rollback to see the rollback too, since the simulators stop when
the command exits.`,
		Example: "  failoverctl " + name + " --then-rollback\n" +
			"  failoverctl " + name + " --db /var/lib/oma/oma.db --key-file /etc/oma/key --vm-path /DC1/vm/app01 --volume vol-1 --volume vol-2",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.open(ctx, true, failover.WithCompensation(!noCompensation))
			if err != nil {
				return err
			}
			defer s.close(ctx)
			rf.hardSet = cmd.Flags().Changed("hard")
			req, err := rf.request(ctx, s.backend, kind)
			if err != nil {
				return err
			}
			if !a.json {
				a.out.Printf("%s of %s (credentials: %s)\n", kind, describeRequest(req), s.backend.mode)
			}
			var job *failover.Job
			if live {
				job, err = s.engine.LiveFailover(ctx, req)
			} else {
				job, err = s.engine.TestFailover(ctx, req)
			}
			if err == nil && thenRollback {
				var opts []failover.RollbackOption
				if live {
					opts = append(opts, failover.PowerOnSource())
				}
				job, err = s.engine.Rollback(ctx, job.ID, opts...)
			}
			s.finish(ctx)
			a.res.Job = job
			if !a.json && job != nil {
				a.out.Printf("\n")
				printJob(a.out, job, false)
				a.printNext(job, s.backend)
			}
			return err
		},
	}
	rf.register(cmd.Flags(), live)
	thenUsage := "roll the job back as soon as it succeeded"
	if live {
		thenUsage += ", powering the source VM back on"
	}
	cmd.Flags().BoolVar(&thenRollback, "then-rollback", false, thenUsage)
	cmd.Flags().BoolVar(&noCompensation, "no-compensation", false, "leave a failed flow as it is for inspection (roll it back later)")
	return cmd
}

// printNext says what the user can do with a job now.
func (a *app) printNext(job *failover.Job, b *backend) {
	switch job.Status {
	case failover.StatusSucceeded, failover.StatusFailed, failover.StatusRollbackIncomplete:
		if job.Status == failover.StatusFailed && (job.Cleanup == nil || job.Cleanup.Outcome == failover.OutcomeCompleted || len(job.Ledger) == 0) {
			return
		}
		if b.lab != nil {
			a.out.Println("\nThe simulators stop when failoverctl exits, so this job cannot be rolled back later.")
			a.out.Println(`Use --then-rollback, or run "failoverctl lab serve" and the commands it prints.`)
			return
		}
		if job.Kind == failover.KindLiveFailover && job.Status == failover.StatusSucceeded {
			a.out.Printf("\nAccept it with: failoverctl commit %s (same credential and --store flags)", job.ID)
		}
		a.out.Printf("\nRoll it back with: failoverctl rollback %s (same credential and --store flags)\n", job.ID)
	case failover.StatusInterrupted, failover.StatusRunning:
		a.out.Printf("\nCarry on with: failoverctl resume %s, or undo it with: failoverctl rollback %s\n", job.ID, job.ID)
	}
}

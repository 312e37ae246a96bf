package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
)

func (a *app) statusCommand() *cobra.Command {
	var statuses []string
	cmd := &cobra.Command{
		Use:   "status [JOB]",
		Short: "Show one job in detail, or list the jobs in the store",
		Long: `status reads the job store (--store) only; it needs no credentials. A job still recorded as
running whose process is gone reads (and is recorded) as interrupted. With a job id it shows
the job's steps with their timings, its ledger of changes, the credential sets it used (by
origin, version and fingerprint, never the secret) and its cleanup; without one it lists the
jobs, oldest first.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("usage: "+cmd.UseLine(), "status takes at most one job id")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !a.storeExists() {
				if len(args) == 1 {
					return fmt.Errorf("%w: no job store at %s", failover.ErrJobNotFound, a.store)
				}
				a.res.Jobs = []*failover.Job{}
				if !a.json {
					a.out.Printf("no jobs (no store at %s)\n", a.store)
				}
				return nil
			}
			store, closeStore, err := a.openStore(ctx, nil)
			if err != nil {
				return err
			}
			defer closeStore()
			// An engine reads the jobs so that one whose process died, or whose store failed
			// before it could record its end, reads as interrupted: what its command answered.
			// It fetches no credentials.
			e, err := failover.New(credentials.Funcs{}, failover.WithStore(store), failover.WithLogger(a.logger))
			if err != nil {
				return err
			}
			defer func() { _ = e.Close(context.WithoutCancel(ctx)) }()
			if len(args) == 1 {
				job, err := e.Job(ctx, args[0])
				if err != nil {
					return err
				}
				a.res.Job = job
				if !a.json {
					printJob(a.out, job, true)
				}
				return nil
			}
			var filter failover.JobFilter
			for _, s := range statuses {
				filter.Status = append(filter.Status, failover.Status(strings.TrimSpace(s)))
			}
			jobs, err := e.Jobs(ctx, filter)
			if err != nil {
				return err
			}
			a.res.Jobs = jobs
			if a.res.Jobs == nil {
				a.res.Jobs = []*failover.Job{}
			}
			if !a.json {
				printJobs(a.out, jobs)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "list only jobs in these statuses (running, succeeded, failed, interrupted, rolling_back, rolled_back, rollback_incomplete)")
	return cmd
}

package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ossea-migrate/failoverkit/failover"
)

func (a *app) commitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "commit JOB",
		Short: "Accept a live failover: its VM stays the production VM and its rollback snapshots are deleted",
		Long: `commit ends a succeeded live failover for good: it deletes the rollback snapshots the job took
(those only) and records the job as committed, after which rollback refuses it. A commit that
stopped midway is finished by running commit (or resume) again. It fetches credentials
afresh.`,
		Args: exactArgs(1, "one job id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.jobOperation(cmd.Context(), "commit", func(ctx context.Context, e *failover.Engine) (*failover.Job, error) {
				return e.Commit(ctx, args[0])
			})
		},
	}
}

// rollbackExpired rolls back every test failover whose --duration has run out.
func (a *app) rollbackExpired(ctx context.Context) error {
	var jobs []*failover.Job
	err := a.jobOperation(ctx, "rollback --expired", func(ctx context.Context, e *failover.Engine) (*failover.Job, error) {
		var err error
		jobs, err = e.RollbackExpired(ctx)
		return nil, err
	})
	a.res.Jobs = jobs
	if a.res.Jobs == nil {
		a.res.Jobs = []*failover.Job{}
	}
	if !a.json {
		if len(jobs) == 0 && err == nil {
			a.out.Println("no expired test failover to roll back")
		} else if len(jobs) > 0 {
			a.out.Printf("\n")
			printJobs(a.out, jobs)
		}
	}
	return err
}

package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ossea-migrate/failoverkit/failover"
)

func (a *app) rollbackCommand() *cobra.Command {
	var powerOn, expired bool
	cmd := &cobra.Command{
		Use:   "rollback JOB | rollback --expired",
		Short: "Undo a failover: VM stopped and destroyed, volumes reverted and back on the appliance",
		Long: `rollback undoes a job: it stops the job's VM, moves the replicated volumes off it, reverts them
to their snapshots, reattaches them to the appliance VM, destroys the VM and deletes the
snapshots; with --power-on-source it powers the source VM back on after a live failover.
Every undo step runs even when one fails; a rollback with failures exits 5 and may be run
again. It fetches credentials afresh, so it works after a key rotation with no restart.

It needs the credential source and --store the job ran with. Simulator mode cannot roll back
a job of an earlier run (its simulators are gone): use "test --then-rollback" or "lab serve".

With --expired and no JOB it rolls back every test failover whose --duration has run out: run
it from a timer.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if expired {
				return exactArgs(0, "no job id with --expired")(cmd, args)
			}
			return exactArgs(1, "one job id, or --expired")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if expired {
				return a.rollbackExpired(cmd.Context())
			}
			return a.jobOperation(cmd.Context(), "rollback", func(ctx context.Context, e *failover.Engine) (*failover.Job, error) {
				var opts []failover.RollbackOption
				if powerOn {
					opts = append(opts, failover.PowerOnSource())
				}
				return e.Rollback(ctx, args[0], opts...)
			})
		},
	}
	cmd.Flags().BoolVar(&powerOn, "power-on-source", false, "power the source VM back on (after a live failover)")
	cmd.Flags().BoolVar(&expired, "expired", false, "roll back every test failover whose --duration has run out")
	return cmd
}

func (a *app) resumeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "resume JOB",
		Short: "Carry on with a job whose operation stopped midway (interrupted, or its process died)",
		Long: `resume continues a job that stopped before its end: steps already done are skipped, the step
under way runs again after checking the actual state, and a rollback that stopped midway is
run again. A job whose process died can be resumed once its lease has expired (2 minutes).`,
		Args: exactArgs(1, "one job id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.jobOperation(cmd.Context(), "resume", func(ctx context.Context, e *failover.Engine) (*failover.Job, error) {
				return e.Resume(ctx, args[0])
			})
		},
	}
}

// jobOperation runs an operation on a recorded job and prints the job after it.
func (a *app) jobOperation(ctx context.Context, name string, op func(context.Context, *failover.Engine) (*failover.Job, error)) error {
	mode, err := a.source.mode()
	if err != nil {
		return err
	}
	if mode == "simulator" {
		return usagef(`give the credential source the job ran with (--db, --env or --vault) and its --store; in simulator mode use "failoverctl test --then-rollback", or "failoverctl lab serve" and the settings it prints`,
			"%s needs a credential source: simulator mode's simulators live only as long as one command", name)
	}
	s, err := a.open(ctx, true)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	job, err := op(ctx, s.engine)
	s.finish(ctx)
	a.res.Job = job
	if !a.json && job != nil {
		a.out.Printf("\n")
		printJob(a.out, job, false)
		if err == nil {
			a.printNext(job, s.backend)
		}
	}
	return err
}

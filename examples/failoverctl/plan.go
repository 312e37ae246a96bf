package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/ossea-migrate/failoverkit/failover"
)

func (a *app) planCommand() *cobra.Command {
	var (
		rf   requestFlags
		live bool
	)
	cmd := &cobra.Command{
		Use:   "plan [flags]",
		Short: "Dry run: preflight, then the exact steps and calls a failover would make, changing nothing",
		Long: `plan resolves both credential sets, finds the source VM, checks that every volume is attached
to the appliance VM and that the placement exists, and prints the steps and calls a test (or,
with --live, live) failover would make. It changes nothing and records no job.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.open(ctx, false)
			if err != nil {
				return err
			}
			defer s.close(ctx)
			rf.hardSet = cmd.Flags().Changed("hard")
			kind := failover.KindTestFailover
			if live {
				kind = failover.KindLiveFailover
			}
			req, err := rf.request(ctx, s.backend, kind)
			if err != nil {
				return err
			}
			plan, err := s.engine.Plan(ctx, kind, req)
			s.finish(ctx)
			a.res.Plan = plan
			if err != nil || a.json {
				return err
			}
			a.printPlan(plan, req)
			return nil
		},
	}
	rf.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&live, "live", false, "plan a live failover instead of a test failover")
	return cmd
}

// printPlan prints a plan for people.
func (a *app) printPlan(plan *failover.Plan, req failover.Request) {
	f := plan.Facts
	a.out.Printf("%s plan for %s\n", plan.Kind, describeRequest(req))
	a.out.Printf("  source VM      %s (uuid %s, %d CPUs, %d MB, powered on: %t)\n", f.SourceVMPath, f.SourceVMUUID, f.CPUs, f.MemoryMB, f.SourcePoweredOn)
	a.out.Printf("  appliance VM   %s\n", f.ApplianceVMID)
	a.out.Printf("  new VM         %s in zone %s (offering %s)\n", f.TargetName, f.Zone, f.ServiceOfferingID)
	a.out.Printf("  template       %s (%s, from the %s) for a %s guest (%s)\n", f.TemplateID, f.TemplateOSType, f.TemplateVia, f.GuestFamily, f.GuestID)
	boot := "the template's"
	if f.BootType != "" {
		boot = string(f.BootType) + " " + string(f.BootMode)
	}
	a.out.Printf("  boot           %s (source firmware %s, secure boot %t)\n", boot, f.Firmware, f.SecureBoot)
	for i, n := range f.NICs {
		mac := "chosen by CloudStack"
		if n.MACAddress != "" {
			mac = n.MACAddress
		}
		a.out.Printf("  NIC %-10d %s on %s -> network %s (%s), MAC %s\n", i+1, n.SourceLabel, n.SourceNetwork, n.NetworkID, n.Via, mac)
	}
	for _, c := range plan.Credentials {
		a.out.Printf("  %-14s %s\n", string(c.Kind), c.Meta.Describe())
	}
	for i, st := range plan.Steps {
		a.out.Printf("%2d. %s\n", i+1, st.Name)
		for _, c := range st.Calls {
			a.out.Printf("      %s\n", strings.TrimSpace(c))
		}
	}
}

package main

import (
	"fmt"
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
			f := plan.Facts
			fmt.Fprintf(a.stdout, "%s plan for %s\n", plan.Kind, describeRequest(req))
			fmt.Fprintf(a.stdout, "  source VM      %s (uuid %s, %d CPUs, %d MB, powered on: %t)\n", f.SourceVMPath, f.SourceVMUUID, f.CPUs, f.MemoryMB, f.SourcePoweredOn)
			fmt.Fprintf(a.stdout, "  appliance VM   %s\n", f.ApplianceVMID)
			fmt.Fprintf(a.stdout, "  new VM         %s in zone %s (offering %s)\n", f.TargetName, f.Zone, f.ServiceOfferingID)
			fmt.Fprintf(a.stdout, "  template       %s (%s, from the %s) for a %s guest (%s)\n", f.TemplateID, f.TemplateOSType, f.TemplateVia, f.GuestFamily, f.GuestID)
			boot := "the template's"
			if f.BootType != "" {
				boot = string(f.BootType) + " " + string(f.BootMode)
			}
			fmt.Fprintf(a.stdout, "  boot           %s (source firmware %s, secure boot %t)\n", boot, f.Firmware, f.SecureBoot)
			for i, n := range f.NICs {
				mac := "chosen by CloudStack"
				if n.MACAddress != "" {
					mac = n.MACAddress
				}
				fmt.Fprintf(a.stdout, "  NIC %-10d %s on %s -> network %s (%s), MAC %s\n", i+1, n.SourceLabel, n.SourceNetwork, n.NetworkID, n.Via, mac)
			}
			for _, c := range plan.Credentials {
				fmt.Fprintf(a.stdout, "  %-14s %s\n", string(c.Kind), c.Meta.Describe())
			}
			for i, st := range plan.Steps {
				fmt.Fprintf(a.stdout, "%2d. %s\n", i+1, st.Name)
				for _, c := range st.Calls {
					fmt.Fprintf(a.stdout, "      %s\n", strings.TrimSpace(c))
				}
			}
			return nil
		},
	}
	rf.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&live, "live", false, "plan a live failover instead of a test failover")
	return cmd
}

package main

import (
	"context"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
)

func (a *app) credsCommand() *cobra.Command {
	creds := &cobra.Command{
		Use:   "creds",
		Short: "Credential set commands",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("usage: failoverctl creds check [flags]", "creds needs a subcommand")
		},
	}
	var csAccounts, vcAccounts []string
	check := &cobra.Command{
		Use:   "check [flags]",
		Short: `Log in with each credential set and report who it is and whether it works ("test connectivity")`,
		Long: `check fetches each credential set afresh and logs in with it: a listZones call for CloudStack, a
fresh login and logout for vCenter. It reports who the system let in, the set's origin,
version and fingerprint (never the secret), and for a set that does not work, what is wrong
and how to fix it. It exits 3 when any set fails.

Which sets: those named with --cloudstack-account and --vcenter-account (repeatable); with
none named, the default sets (the active CloudStack config and the default vCenter set) and
every other set the source can list: the other active ossea_configs rows (rows with
is_active = 0 were deleted in the appliance) and the other active vmware_credentials rows of
--db; every account suffix of CLOUDSTACK_API_URL_* and VSPHERE_SERVER_* with --env.
Vault cannot be listed without list rights, so with --vault only the defaults are checked.
Warnings the source reports with a set (for example several CloudStack configurations active
at once, so that the default is ambiguous) are printed under it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.checkCredentials(cmd.Context(), csAccounts, vcAccounts)
		},
	}
	check.Flags().StringArrayVar(&csAccounts, "cloudstack-account", nil, "CloudStack set to check by `name`, or id:N (repeatable)")
	check.Flags().StringArrayVar(&vcAccounts, "vcenter-account", nil, "vCenter set to check by `name`, or id:N (repeatable)")
	creds.AddCommand(check)
	return creds
}

func (a *app) checkCredentials(ctx context.Context, csAccounts, vcAccounts []string) error {
	s, err := a.open(ctx, false)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	csRefs, err := refs("--cloudstack-account", csAccounts)
	if err != nil {
		return err
	}
	vcRefs, err := refs("--vcenter-account", vcAccounts)
	if err != nil {
		return err
	}
	listed := len(csRefs) == 0 && len(vcRefs) == 0
	if listed {
		cs, vc := listAccounts(ctx, s.backend)
		csRefs = append([]credentials.Ref{{}}, cs...)
		vcRefs = append([]credentials.Ref{{}}, vc...)
	}
	if s.backend.mode == "database" && !s.backend.hasKey {
		a.errOut.Println("note: no key given (--key-file or " + database.KeyEnv + "), so vCenter passwords and encrypted CloudStack keys cannot be decrypted")
	}
	checks, err := s.engine.CheckCredentials(ctx, csRefs, vcRefs)
	s.finish(ctx)
	if err != nil {
		return err
	}
	a.res.Checks = checks
	if failed := a.printChecks(checks); failed > 0 {
		return &credentialsFailed{failed: failed, total: len(checks)}
	}
	return nil
}

// printChecks prints each check (on stdout, unless --json) and each failure with its fix (on
// stderr), and returns how many failed.
func (a *app) printChecks(checks []failover.CredentialCheck) int {
	failed := 0
	for _, c := range checks {
		account := c.Account
		if c.Meta.Origin.Account != "" && c.Meta.Origin.Account != c.Account {
			account += " (" + c.Meta.Origin.Account + ")"
		}
		if !c.OK {
			failed++
			if c.Identity == "" {
				a.errOut.Printf("%s %s: %s\nfix: %s\n", c.Kind, account, withoutRemedy(c.Error, c.Remedy), orUnknown(forCLI(c.Remedy)))
			}
			for _, s := range c.Settings {
				if !s.OK {
					a.errOut.Printf("%s %s: setting %s: %s\nfix: %s\n", c.Kind, account, s.Field, firstLine(s.Error), orUnknown(forCLI(s.Remedy)))
				}
			}
		}
		if a.json {
			continue
		}
		switch {
		case c.OK:
			a.out.Printf("ok      %s %s: %s [%s]\n", c.Kind, account, c.Identity, round(c.Duration))
		case c.Identity != "":
			a.out.Printf("FAILED  %s %s: %s, but settings a failover needs are wrong\n", c.Kind, account, c.Identity)
		default:
			a.out.Printf("FAILED  %s %s: %s\n", c.Kind, account, firstLine(withoutRemedy(c.Error, c.Remedy)))
		}
		for _, s := range c.Settings {
			mark := "ok"
			if !s.OK {
				mark = "FAILED"
			}
			a.out.Printf("        %-6s %s %s\n", mark, s.Field, orNone(s.Value))
		}
		if c.Meta.Version != "" {
			a.out.Printf("        %s\n", c.Meta.Describe())
		}
		for _, w := range c.Meta.Warnings {
			a.out.Printf("        warning: %s\n", w)
		}
	}
	return failed
}

func refs(flag string, accounts []string) ([]credentials.Ref, error) {
	var out []credentials.Ref
	for _, acc := range accounts {
		ref, err := parseRef(flag, acc, false)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// listAccounts lists the named sets a source holds, where it can be listed. The credential
// packages have no listing call, so this reads the appliance's tables (database) or the
// variable names (env) itself.
func listAccounts(ctx context.Context, b *backend) (cloudStack, vCenter []credentials.Ref) {
	switch {
	case b.db != nil:
		// The default sets are checked as such; these are the others. A CloudStack row with
		// is_active = 0 was deleted; the default is the active row with the lowest id.
		cloudStack = namesOf(ctx, b.db, "ossea_configs", "name",
			"is_active = ? AND id > (SELECT MIN(id) FROM ossea_configs WHERE is_active = ?)", true, true)
		vCenter = namesOf(ctx, b.db, "vmware_credentials", "credential_name", "is_active = ? AND (is_default IS NULL OR is_default = ?)", true, false)
		return cloudStack, vCenter
	case b.mode == "env":
		return envAccounts("CLOUDSTACK_API_URL_"), envAccounts("VSPHERE_SERVER_")
	}
	return nil, nil
}

// namesOf reads one table's set names matching where; a missing table lists nothing (the
// check of the default set reports it, with its remedy).
func namesOf(ctx context.Context, db *gorm.DB, table, column, where string, args ...any) []credentials.Ref {
	var names []string
	if err := db.WithContext(ctx).Table(table).Where(where, args...).Order("id").Pluck(column, &names).Error; err != nil {
		return nil
	}
	out := make([]credentials.Ref, 0, len(names))
	for _, n := range names {
		out = append(out, credentials.Account(n))
	}
	return out
}

// envAccounts lists the account suffixes of a variable (and its _FILE variant) in the
// environment, lower-cased; the env source matches them case-insensitively.
func envAccounts(prefix string) []credentials.Ref {
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		suffix, ok := strings.CutPrefix(name, prefix)
		if !ok || suffix == "FILE" {
			continue
		}
		suffix = strings.TrimSuffix(suffix, "_FILE")
		if n := strings.ToLower(suffix); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]credentials.Ref, 0, len(names))
	for _, n := range names {
		out = append(out, credentials.Account(n))
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func orUnknown(s string) string {
	if s == "" {
		return "see the error above"
	}
	return s
}

func orNone(v string) string {
	if v == "" {
		return "(not set)"
	}
	return v
}

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/spf13/cobra"
)

// app holds the global flags and the output streams of one invocation.
type app struct {
	// stdout and stderr are the raw streams, for JSON lines and the terminal's progress bar;
	// out and errOut print everything else (printer).
	stdout, stderr io.Writer
	out, errOut    *printer

	source sourceFlags
	store  string
	json   bool
	plain  bool
	debug  bool
	poll   time.Duration
	// simLatency slows the CloudStack simulator down, so that progress can be watched.
	simLatency time.Duration

	// res is the result written as the last line with --json; commands fill it in.
	res *result

	// storeSet records whether --store (or FAILOVERCTL_STORE) was given.
	storeSet bool
	// storeUsed is the job store opened: --store, or simulator mode's temporary file.
	storeUsed string
	logger    *slog.Logger
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, out: newPrinter(stdout), errOut: newPrinter(stderr), res: &result{Type: "result"}}
	defer a.out.flush()
	defer a.errOut.flush()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	cmd, err := root.ExecuteContextC(ctx)
	err = a.asStoreFailure(err)
	code := exitCode(err)
	var check *credentialsFailed
	switch {
	case err == nil:
	case errors.As(err, &check):
		// Each failed set has been printed with its remedy already.
		a.errOut.Printf("failoverctl: %s\n", err)
	default:
		a.printError(err)
	}
	if !a.json && code == exitUsage && slices.Contains(args, "--json") {
		// Flag parsing stopped before it reached --json; scripts still get their result.
		a.json = true
	}
	if a.json && !helpAsked(cmd) {
		a.res.Command = strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
		a.res.OK, a.res.ExitCode = err == nil, code
		if err != nil {
			a.res.Error, a.res.Remedy = withoutRemedy(err.Error(), fkerrors.Remedy(err)), remedy(err)
		}
		a.writeJSON(a.res)
	}
	return code
}

func helpAsked(cmd *cobra.Command) bool {
	if cmd == nil {
		return true
	}
	h := cmd.Flags().Lookup("help")
	return h != nil && h.Changed
}

// printError writes err and its remedy to stderr.
func (a *app) printError(err error) {
	r := remedy(err)
	a.errOut.Printf("failoverctl: %s\n", withoutRemedy(err.Error(), fkerrors.Remedy(err)))
	if r != "" {
		a.errOut.Printf("fix: %s\n", r)
	}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "failoverctl",
		Short: "Test failover, live failover and rollback of replicated VMs into CloudStack",
		Long: `failoverctl drives failoverkit's engine: test and live failover of a replicated VMware VM
into CloudStack, rollback, resume, job status, and a credential check.

Credentials come from one source, chosen by flag: --db (the appliance's database),
--env (CLOUDSTACK_* and VSPHERE_* variables) or --vault (Vault KV v2). Every operation
fetches them afresh, so a rotation takes effect on the next command.

With no source flag, failoverctl runs against simulators started in its own process
(vCenter and CloudStack, with their credential sets written to a temporary SQLite
database), so "failoverctl test --then-rollback" shows a whole cycle with nothing set up.
The simulators stop when the process exits; to keep them up for several commands run
"failoverctl lab serve" in one terminal and use the settings it prints in another.

Exit codes: 0 ok; 1 operation failed; 2 usage error; 3 credentials problem (the remedy is
printed); 4 VM busy with another operation; 5 cleanup incomplete; 6 job not found or not
in a state that allows the operation; 7 the job store (--store) failed.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("see failoverctl --help for the commands", "unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _ = io.WriteString(a.errOut, cmd.UsageString())
			return usagef("see failoverctl --help for the commands", "no command given")
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.storeSet = cmd.Flags().Changed("store") || os.Getenv("FAILOVERCTL_STORE") != ""
			a.source.explicit = map[string]bool{"db": cmd.Flags().Changed("db"), "key-file": cmd.Flags().Changed("key-file")}
			a.logger = a.newLogger()
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{msg: err.Error(), remedy: "see failoverctl --help, or COMMAND --help"}
	})
	pf := root.PersistentFlags()
	a.source.register(pf)
	pf.StringVar(&a.store, "store", envOr("FAILOVERCTL_STORE", defaultStorePath()),
		"job store `DSN`: an SQLite file, or a mysql:// or postgres:// DSN (env FAILOVERCTL_STORE; simulator mode uses a temporary file)")
	pf.BoolVar(&a.json, "json", false, "write one JSON object per line: each event, then the result (for scripts)")
	pf.BoolVar(&a.plain, "no-progress", false, "plain progress lines even on a terminal")
	pf.BoolVarP(&a.debug, "verbose", "v", false, "log the library's debug output to stderr")
	pf.DurationVar(&a.poll, "poll-interval", envDuration("FAILOVERCTL_POLL_INTERVAL", 0),
		"how often to poll CloudStack's async jobs (default 1s, growing to 10s; simulator mode 5ms; env FAILOVERCTL_POLL_INTERVAL)")

	pf.DurationVar(&a.simLatency, "sim-latency", 0, "simulator mode and lab serve: hold every CloudStack call this long (to watch progress)")

	root.AddCommand(
		a.planCommand(),
		a.flowCommand("test"),
		a.flowCommand("live"),
		a.rollbackCommand(),
		a.commitCommand(),
		a.resumeCommand(),
		a.statusCommand(),
		a.credsCommand(),
		a.labCommand(),
	)
	return root
}

// newLogger logs to stderr: warnings only (a default fall-back, TLS verification off) unless
// --verbose, and nothing the command reports as its own error (storeQuiet); JSON records with
// --json so that scripts can parse stderr too.
func (a *app) newLogger() *slog.Logger {
	level := slog.LevelWarn
	if a.debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(a.errOut, opts)
	if a.json {
		h = slog.NewJSONHandler(a.stderr, opts)
	}
	if !a.debug {
		h = storeQuiet{h}
	}
	return slog.New(h)
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("usage: "+cmd.UseLine(), "%s takes %s (got %d arguments)", cmd.Name(), what, len(args))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("usage: "+cmd.UseLine(), "%s takes no arguments (got %q)", cmd.Name(), args)
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// labInfo tells other failoverctl invocations how to reach a served lab.
type labInfo struct {
	Dir           string `json:"dir"`
	DB            string `json:"db"`
	KeyFile       string `json:"key_file"`
	Store         string `json:"store"`
	VCenterURL    string `json:"vcenter_url"`
	CloudStackURL string `json:"cloudstack_url"`
	// Env holds the variables that point failoverctl at this lab.
	Env     map[string]string `json:"env"`
	Sources []labSource       `json:"sources"`
}

// labSource is a source VM ready to fail over.
type labSource struct {
	Name          string   `json:"name"`
	Path          string   `json:"path"`
	CloudAccount  string   `json:"cloudstack_account"`
	ApplianceVMID string   `json:"appliance_vm_id"`
	Volumes       []string `json:"volumes"`
}

func (a *app) labCommand() *cobra.Command {
	lab := &cobra.Command{
		Use:   "lab",
		Short: "Simulator commands",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			return usagef("usage: failoverctl lab serve [flags]", "lab needs a subcommand")
		},
	}
	var (
		dir     string
		sources int
	)
	serve := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Keep the simulators running and print the settings that point other failoverctl commands at them",
		Long: `serve starts the vCenter and CloudStack simulators, writes their credential sets to an SQLite
database in the appliance's format (vCenter password encrypted under a generated key), and
keeps them running until interrupted. It prints the flags and variables for other shells:
with those, test, rollback, resume, status and creds check work across invocations, and a
set changed in the database is picked up by the next command.

It reads commands on its standard input: "rotate" gives the simulators new CloudStack keys and
a new vCenter password without touching the database (the stored sets go stale), "store"
writes the new ones to the database. Between the two, creds check and operations fail with
the remedy; after "store" the next command works, with nothing restarted.

With --json it writes one line {"type":"lab_ready","lab":{...}} once ready, and one line
{"type":"lab_rotated"|"lab_stored",...} per command. Without --dir the files go to a
temporary folder removed on exit.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			keep := dir != ""
			if !keep {
				var err error
				if dir, err = os.MkdirTemp("", "failoverctl-lab-"); err != nil {
					return err
				}
				defer func() { _ = os.RemoveAll(dir) }()
			}
			sims, err := a.startLab(ctx, dir, sources)
			if err != nil {
				return err
			}
			defer sims.close()
			info := sims.info()
			a.res.Lab = &info
			if a.json {
				a.writeJSON(map[string]any{"type": "lab_ready", "lab": info})
			} else {
				a.printLab(info, keep)
			}
			go a.labConsole(ctx, sims, cmd.InOrStdin())
			<-ctx.Done()
			if !a.json {
				a.out.Println("\nstopping the simulators")
			}
			return nil
		},
	}
	serve.Flags().StringVar(&dir, "dir", "", "folder for the credential database, key file and job store (kept after exit)")
	serve.Flags().IntVar(&sources, "sources", 2, "how many source VMs to prepare")
	lab.AddCommand(serve)
	return lab
}

func (s *simulators) info() labInfo {
	info := labInfo{
		Dir: s.dir, DB: s.dbPath, KeyFile: s.keyPath, Store: s.storePath,
		VCenterURL: s.lab.VSphereSet().Host, CloudStackURL: s.lab.Cloud.URL(),
		Env: map[string]string{
			"FAILOVERCTL_DB":            s.dbPath,
			"FAILOVERCTL_KEY_FILE":      s.keyPath,
			"FAILOVERCTL_STORE":         s.storePath,
			"FAILOVERCTL_POLL_INTERVAL": "5ms",
		},
	}
	for _, src := range s.lab.Sources {
		info.Sources = append(info.Sources, labSource{
			Name: src.Name, Path: src.Path, CloudAccount: src.CloudAccount,
			ApplianceVMID: src.ApplianceVMID, Volumes: src.VolumeIDs,
		})
	}
	return info
}

func (a *app) printLab(info labInfo, keep bool) {
	w := a.out
	w.Println("Simulators running; Ctrl-C stops them.")
	w.Printf("  vCenter      %s (datacenter DC0)\n", info.VCenterURL)
	w.Printf("  CloudStack   %s\n", info.CloudStackURL)
	w.Printf("  credentials  %s (key in %s): CloudStack configs per account (the first active), vCenter set %q (default)\n", info.DB, info.KeyFile, simVCenterSet)
	w.Printf("  job store    %s\n", info.Store)
	if !keep {
		w.Printf("  (the folder %s is removed on exit; use --dir to keep it)\n", info.Dir)
	}
	w.Println("\nIn another shell:")
	w.Printf("  export FAILOVERCTL_DB=%s FAILOVERCTL_KEY_FILE=%s FAILOVERCTL_STORE=%s FAILOVERCTL_POLL_INTERVAL=5ms\n", info.DB, info.KeyFile, info.Store)
	w.Println("  failoverctl creds check")
	for _, s := range info.Sources {
		w.Printf("  failoverctl test --cloudstack-account %s --vm-path %s --volume %s\n", s.CloudAccount, s.Path, strings.Join(s.Volumes, " --volume "))
	}
	w.Println("  failoverctl status")
	w.Println("  failoverctl rollback JOB")
	w.Println("\nType here: \"rotate\" gives the simulators new keys and a new vCenter password (the stored")
	w.Println("sets go stale: creds check fails and says how to fix it); \"store\" writes the new ones to the")
	w.Println("database, and the next command works again - nothing restarted.")
}

// labConsole reads commands from in until it ends: "rotate" and "store" (see printLab).
func (a *app) labConsole(ctx context.Context, sims *simulators, in io.Reader) {
	sc := bufio.NewScanner(in)
	for sc.Scan() && ctx.Err() == nil {
		var err error
		switch cmd := strings.TrimSpace(sc.Text()); cmd {
		case "":
			continue
		case "rotate":
			if err = sims.rotate(); err == nil {
				a.labSay("rotated", "the simulators have new CloudStack keys and a new vCenter password; the database still holds the old ones")
			}
		case "store":
			if err = sims.store(ctx); err == nil {
				a.labSay("stored", "the database holds the simulators' current keys and password")
			}
		default:
			a.labSay("unknown", fmt.Sprintf("unknown command %q: type rotate or store", cmd))
		}
		if err != nil {
			a.labSay("error", err.Error())
		}
	}
}

func (a *app) labSay(event, msg string) {
	if a.json {
		a.writeJSON(map[string]string{"type": "lab_" + event, "message": msg})
		return
	}
	a.out.Println(msg)
}

package main

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// guestFlags shape the new VM after its source - the network each source network maps to,
// the source's MAC addresses, a template per guest OS family - and say how long a test VM
// may live.
type guestFlags struct {
	mapNetwork    []string
	keepMACs      bool
	templateFor   []string
	allowMismatch bool
	duration      time.Duration
}

func (g *guestFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&g.mapNetwork, "map-network", nil, "put the source's NICs on `vCenter-network=CloudStack-network-id` (repeatable; "+
		"--network takes the NICs of networks not mapped)")
	fs.BoolVar(&g.keepMACs, "keep-macs", false, "give the new VM's NICs the source NICs' MAC addresses")
	fs.StringArrayVar(&g.templateFor, "template-for", nil, "template for a guest OS family, as `family=template-id` with family windows, linux or other "+
		"(repeatable; --template wins over it)")
	fs.BoolVar(&g.allowMismatch, "allow-template-mismatch", false, "deploy on a template whose OS type contradicts the source's guest OS")
	fs.DurationVar(&g.duration, "duration", 0, "test failovers: roll the test VM back once it has run this long (with \"failoverctl rollback --expired\")")
}

// apply puts the flags into a request of kind.
func (g *guestFlags) apply(req *failover.Request, kind failover.Kind) error {
	for _, m := range g.mapNetwork {
		from, to, ok := strings.Cut(m, "=")
		if !ok || strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
			return usagef(`write --map-network "vCenter network=CloudStack network id", e.g. --map-network "VM Network=net-1"`,
				"--map-network %q has no vCenter network, no CloudStack network id, or no '='", m)
		}
		networks := &req.Networks.Test
		if kind == failover.KindLiveFailover {
			networks = &req.Networks.Live
		}
		if *networks == nil {
			*networks = map[string]string{}
		}
		(*networks)[from] = to
	}
	for _, t := range g.templateFor {
		family, id, _ := strings.Cut(t, "=")
		switch f := vsphere.GuestFamily(family); f {
		case vsphere.GuestWindows, vsphere.GuestLinux, vsphere.GuestOther:
			if id == "" {
				break
			}
			if req.Templates == nil {
				req.Templates = map[vsphere.GuestFamily]string{}
			}
			req.Templates[f] = id
			continue
		}
		return usagef("write --template-for windows=ID, linux=ID or other=ID", "--template-for %q names no guest OS family and template", t)
	}
	req.KeepMACs = req.KeepMACs || g.keepMACs
	req.AllowTemplateMismatch = req.AllowTemplateMismatch || g.allowMismatch
	if g.duration != 0 {
		if kind != failover.KindTestFailover || g.duration < 0 {
			return usagef("give --duration a positive duration, on test only: a live failover ends with commit or rollback",
				"--duration %s does not apply to a %s", g.duration, kind)
		}
		req.TestDuration = g.duration
	}
	return nil
}

package failover

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// CredentialCheck is the result of checking one credential set: fetched, and accepted by
// the system it is for.
type CredentialCheck struct {
	// Kind and Account say which set was checked.
	Kind    credentials.Kind `json:"kind"`
	Account string           `json:"account"`
	// OK is true when the set was fetched and the system accepted it.
	OK bool `json:"ok"`
	// Meta describes the set fetched (zero when the fetch failed). Meta.Warnings carries what
	// the source accepted but reported, such as several CloudStack configurations active at
	// once (the default is then the appliance's choice, which may not be the intended one);
	// the check can be OK with warnings.
	Meta credentials.Meta `json:"meta"`
	// Identity says who the system let in: "user@vcenter", "account at CloudStack URL".
	Identity string `json:"identity,omitempty"`
	// Error and Remedy say what is wrong and how to fix it.
	Error  string `json:"error,omitempty"`
	Remedy string `json:"remedy,omitempty"`
	// Duration is how long the check took.
	Duration time.Duration `json:"duration"`
}

// CheckCredentials fetches each named set and logs in with it - a listZones call for
// CloudStack, a fresh login (and logout) for vCenter - reporting per set what works and the remedy for what
// does not. It is what an API server's health endpoint or its GUI's "test connectivity"
// button calls. A zero Ref checks the default set. Checks run concurrently; results come in
// the order asked, CloudStack sets first.
func (e *Engine) CheckCredentials(ctx context.Context, cloudStack, vCenter []credentials.Ref) ([]CredentialCheck, error) {
	leave, err := e.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	out := make([]CredentialCheck, len(cloudStack)+len(vCenter))
	var wg sync.WaitGroup
	for i, ref := range cloudStack {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = e.checkCloudStack(ctx, ref)
		}()
	}
	for i, ref := range vCenter {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[len(cloudStack)+i] = e.checkVSphere(ctx, ref)
		}()
	}
	wg.Wait()
	return out, nil
}

func (e *Engine) checkCloudStack(ctx context.Context, ref credentials.Ref) CredentialCheck {
	start := time.Now()
	c := CredentialCheck{Kind: credentials.KindCloudStack, Account: ref.String()}
	set, err := e.src.CloudStack(ctx, ref)
	if err == nil {
		c.Meta = set.Meta
		var client *cloudstack.Client
		if client, err = cloudstack.New(set, append([]cloudstack.Option{cloudstack.WithLogger(e.log)}, e.csOpts...)...); err == nil {
			var zones []cloudstack.Zone
			if zones, err = client.Zones(ctx); err == nil {
				c.OK = true
				c.Identity = fmt.Sprintf("account %s at %s (zones visible: %d)", set.Origin.Account, set.APIURL, len(zones))
			}
		}
	}
	return finishCheck(c, err, start)
}

func (e *Engine) checkVSphere(ctx context.Context, ref credentials.Ref) CredentialCheck {
	start := time.Now()
	c := CredentialCheck{Kind: credentials.KindVSphere, Account: ref.String()}
	set, err := e.src.VSphere(ctx, ref)
	if err == nil {
		c.Meta = set.Meta
		// A pooled session would only show the password worked when it logged in: log in
		// afresh, and out again.
		pool := vsphere.NewPool(append([]vsphere.Option{vsphere.WithLogger(e.log)}, e.vsOpts...)...)
		client, cerr := pool.Client(ctx, set)
		if err = cerr; err == nil {
			c.OK = true
			c.Identity = set.Username + "@" + client.Host()
		}
		if cerr := pool.Close(context.WithoutCancel(ctx)); cerr != nil {
			e.log.Warn("failover: could not log out after a credential check", "kind", "vsphere", "account", ref.String(), "error", cerr)
		}
	}
	return finishCheck(c, err, start)
}

func finishCheck(c CredentialCheck, err error, start time.Time) CredentialCheck {
	c.Duration = time.Since(start)
	if err != nil {
		c.Error = err.Error()
		c.Remedy = credentials.Remedy(err)
	}
	return c
}

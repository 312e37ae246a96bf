package failover

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// CredentialCheck is the result of checking one credential set: fetched, and accepted by
// the system it is for.
type CredentialCheck struct {
	// Kind and Account say which set was checked.
	Kind    credentials.Kind `json:"kind"`
	Account string           `json:"account"`
	// OK is true when the set was fetched, the system accepted it and, for a CloudStack set,
	// every setting stored with it that a failover needs names something that exists.
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
	// Settings are the checks of the settings stored with a CloudStack set that a failover
	// uses: the appliance VM, zone, template, network, service offering and disk offering.
	Settings []SettingCheck `json:"settings,omitempty"`
	// Duration is how long the check took.
	Duration time.Duration `json:"duration"`
}

// SettingCheck is the check of one setting stored with a CloudStack set.
type SettingCheck struct {
	// Field is the setting (credentials.FieldApplianceVMID, FieldZone, ...).
	Field credentials.Field `json:"field"`
	// Value is what the set holds ("" when it holds nothing).
	Value string `json:"value,omitempty"`
	// OK is true when the value names something that exists and the account can use, or
	// the setting is optional and empty.
	OK bool `json:"ok"`
	// Error and Remedy say what is wrong and which setting to change.
	Error  string `json:"error,omitempty"`
	Remedy string `json:"remedy,omitempty"`
}

// CheckCredentials fetches each named set and logs in with it - a listZones call for
// CloudStack, a fresh login (and logout) for vCenter - reporting per set what works and the
// remedy for what does not. For a CloudStack set it also checks what a failover will need of
// it: the appliance VM exists and the account reaches it, and the zone, template, network
// and offerings stored with the set exist (CredentialCheck.Settings); a set that would fail
// a failover's preflight does not pass. It is what an API server's health endpoint or its
// GUI's "test connectivity" button calls. A zero Ref checks the default set. Checks run
// concurrently; results come in the order asked, CloudStack sets first.
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
				c.Identity = fmt.Sprintf("account %s at %s (zones visible: %d)", set.Origin.Account, set.APIURL, len(zones))
				c.Settings = checkSettings(ctx, client, set)
				c.OK = true
				for _, s := range c.Settings {
					if !s.OK {
						c.OK = false
						c.Error = appendMsg(c.Error, string(s.Field)+": "+s.Error)
						c.Remedy = appendMsg(c.Remedy, s.Remedy)
					}
				}
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
		c.Remedy = fkerrors.Remedy(err)
	}
	return c
}

// checkSettings checks, side by side, each setting stored with a CloudStack set that a
// failover uses.
func checkSettings(ctx context.Context, client *cloudstack.Client, set credentials.CloudStack) []SettingCheck {
	origin := set.Origin.String()
	type check struct {
		field    credentials.Field
		value    string
		required bool
		what     string
		lookup   func(context.Context, string) error
	}
	checks := []check{
		{credentials.FieldApplianceVMID, set.ApplianceVMID, true, "the appliance VM", func(ctx context.Context, id string) error {
			_, err := client.GetVM(ctx, id)
			return err
		}},
		{credentials.FieldZone, set.Zone, true, "the zone", func(ctx context.Context, z string) error {
			_, err := client.GetZone(ctx, z)
			return err
		}},
		{credentials.FieldTemplateID, set.TemplateID, true, "the template", func(ctx context.Context, id string) error {
			_, err := client.GetTemplate(ctx, id)
			return err
		}},
		{credentials.FieldNetworkID, set.NetworkID, false, "the network", func(ctx context.Context, id string) error {
			_, err := client.GetNetwork(ctx, id)
			return err
		}},
		{credentials.FieldServiceOfferingID, set.ServiceOfferingID, true, "the service offering", func(ctx context.Context, id string) error {
			_, err := client.GetServiceOffering(ctx, id)
			return err
		}},
		{credentials.FieldDiskOfferingID, set.DiskOfferingID, false, "the disk offering", func(ctx context.Context, id string) error {
			_, err := client.GetDiskOffering(ctx, id)
			return err
		}},
	}
	out := make([]SettingCheck, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		out[i] = SettingCheck{Field: c.field, Value: c.value, OK: true}
		if c.value == "" {
			if c.required {
				out[i].OK = false
				out[i].Error = c.what + " is not set"
				out[i].Remedy = "fill in " + string(c.field) + " of " + origin + " (a failover needs " + c.what + ", or each request must name it)"
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.lookup(ctx, c.value); err != nil {
				out[i].OK = false
				out[i].Error = err.Error()
				if errors.Is(err, fkerrors.NotFound) {
					out[i].Remedy = "correct " + string(c.field) + " of " + origin + ": " + c.what + " " + c.value + " does not exist for this account"
				} else if r := fkerrors.Remedy(err); r != "" {
					out[i].Remedy = r
				} else {
					out[i].Remedy = "check " + c.what + " " + c.value + " in CloudStack"
				}
			}
		}()
	}
	wg.Wait()
	return out
}

func appendMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

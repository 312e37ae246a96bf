package credentials

import (
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Kind names a kind of credential set.
type Kind string

// The kinds of credential set.
const (
	KindCloudStack Kind = "cloudstack"
	KindVSphere    Kind = "vsphere"
)

// Origin says where a credential set came from, in words fit for a log line.
type Origin struct {
	// Source is the kind of source: "database", "env", "vault", "static", "memory", ...
	Source string `json:"source"`
	// Account is the account the set belongs to, as the source names it.
	Account string `json:"account,omitempty"`
	// Location names the row, variables or path the set was read from.
	Location string `json:"location,omitempty"`
}

// String renders the origin as "source account (location)", with fkerrors.Visible applied:
// the account and location come from the store.
func (o Origin) String() string { return fkerrors.Visible(o.string()) }

func (o Origin) string() string {
	s := o.Source
	if o.Account != "" {
		s += " account " + o.Account
	}
	if o.Location != "" {
		s += " (" + o.Location + ")"
	}
	return s
}

// Meta describes one fetched credential set without revealing it.
type Meta struct {
	// Origin says where the set came from.
	Origin Origin `json:"origin"`
	// Version changes whenever the stored set changes, and only then.
	Version string `json:"version"`
	// Fingerprint is a short digest of the set's secret (see Secret.Fingerprint).
	Fingerprint string `json:"fingerprint"`
	// FetchedAt is when the source read the set.
	FetchedAt time.Time `json:"fetched_at"`
	// Warnings are things the source accepted but an operator should fix: several sets
	// claiming to be the default, an unencrypted stored secret read by opt-in. They never
	// hold a secret. A source that logs a warning also carries it here, so that a health
	// check (failover.Engine.CheckCredentials) can report it.
	Warnings []string `json:"warnings,omitempty"`
}

// Describe renders the metadata for a log line or a remedy: origin, version, fingerprint.
func (m Meta) Describe() string {
	return m.Origin.String() + " version " + fkerrors.Visible(m.Version) + " fingerprint " + m.Fingerprint
}

// CloudStack is one CloudStack credential set plus the settings stored beside it that
// failover operations need.
type CloudStack struct {
	// APIURL is the API endpoint, e.g. https://cloud.example/client/api.
	APIURL string `json:"api_url"`
	// APIKey identifies the account; treated as a secret because it is half of a key pair.
	APIKey Secret `json:"api_key"`
	// SecretKey signs requests.
	SecretKey Secret `json:"secret_key"`
	// Domain is the CloudStack domain (path or id), optional.
	Domain string `json:"domain,omitempty"`
	// Zone is the zone name or id new resources are placed in.
	Zone string `json:"zone,omitempty"`
	// ApplianceVMID is the CloudStack id of the appliance VM the replicated volumes are
	// attached to.
	ApplianceVMID string `json:"appliance_vm_id,omitempty"`
	// TemplateID, NetworkID, ServiceOfferingID and DiskOfferingID are defaults for new VMs.
	TemplateID        string `json:"template_id,omitempty"`
	NetworkID         string `json:"network_id,omitempty"`
	ServiceOfferingID string `json:"service_offering_id,omitempty"`
	DiskOfferingID    string `json:"disk_offering_id,omitempty"`
	// InsecureSkipVerify turns TLS certificate verification off. Off by default; turning it on
	// is an explicit choice per set and is logged by the clients that honour it.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`

	Meta
}

// VSphere is one vCenter credential set.
type VSphere struct {
	// Host is the vCenter host name, host:port, or https URL.
	Host string `json:"host"`
	// Username is the login user.
	Username string `json:"username"`
	// Password is the login password.
	Password Secret `json:"password"`
	// Datacenter is the datacenter name; empty means the only one.
	Datacenter string `json:"datacenter,omitempty"`
	// InsecureSkipVerify turns TLS certificate verification off (see CloudStack).
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`

	Meta
}

// CloudStackFrom builds a set from its fields' values, for a driver that stores a set field
// by field: value returns a field's stored value, "" when it has none. The driver sets
// InsecureSkipVerify and Meta itself, since each store spells a boolean its own way, and
// checks the set (Check).
func CloudStackFrom(value func(Field) string) CloudStack {
	return CloudStack{
		APIURL:            value(FieldAPIURL),
		APIKey:            NewSecret(value(FieldAPIKey)),
		SecretKey:         NewSecret(value(FieldSecretKey)),
		Domain:            value(FieldDomain),
		Zone:              value(FieldZone),
		ApplianceVMID:     value(FieldApplianceVMID),
		TemplateID:        value(FieldTemplateID),
		NetworkID:         value(FieldNetworkID),
		ServiceOfferingID: value(FieldServiceOfferingID),
		DiskOfferingID:    value(FieldDiskOfferingID),
	}
}

// VSphereFrom builds a set from its fields' values, as CloudStackFrom does.
func VSphereFrom(value func(Field) string) VSphere {
	return VSphere{
		Host:       value(FieldHost),
		Username:   value(FieldUsername),
		Password:   NewSecret(value(FieldPassword)),
		Datacenter: value(FieldDatacenter),
	}
}

package credentials

import (
	"net/url"
	"strings"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Field names a logical field of a credential set. Sources map it to their own names (a
// column, a variable, a Vault key) in remedies.
type Field string

// CloudStack fields.
const (
	FieldAPIURL            Field = "api_url"
	FieldAPIKey            Field = "api_key"
	FieldSecretKey         Field = "secret_key"
	FieldDomain            Field = "domain"
	FieldZone              Field = "zone"
	FieldApplianceVMID     Field = "appliance_vm_id"
	FieldTemplateID        Field = "template_id"
	FieldNetworkID         Field = "network_id"
	FieldServiceOfferingID Field = "service_offering_id"
	FieldDiskOfferingID    Field = "disk_offering_id"
)

// FieldInsecureSkipVerify is the TLS verification switch of either kind of set.
const FieldInsecureSkipVerify Field = "insecure_skip_verify"

// VSphere fields.
const (
	FieldHost       Field = "host"
	FieldUsername   Field = "username"
	FieldPassword   Field = "password"
	FieldDatacenter Field = "datacenter"
)

// Problem is the first thing wrong with a credential set, found by Check.
type Problem struct {
	// Field is the field at fault.
	Field Field
	// Code is fkerrors.Incomplete or fkerrors.Invalid.
	Code fkerrors.Code
	// Reason says what is wrong with the field, without its value.
	Reason string
}

type fieldValue struct {
	field    Field
	value    string
	required bool
}

// Check returns the first problem with c, or nil: the URL, API key and secret key are
// required, the URL must be an absolute http(s) URL, and no value may be padded with
// white space.
func (c *CloudStack) Check() *Problem {
	p := checkFields([]fieldValue{
		{FieldAPIURL, c.APIURL, true},
		{FieldAPIKey, c.APIKey.Reveal(), true},
		{FieldSecretKey, c.SecretKey.Reveal(), true},
		{FieldDomain, c.Domain, false},
		{FieldZone, c.Zone, false},
		{FieldApplianceVMID, c.ApplianceVMID, false},
		{FieldTemplateID, c.TemplateID, false},
		{FieldNetworkID, c.NetworkID, false},
		{FieldServiceOfferingID, c.ServiceOfferingID, false},
		{FieldDiskOfferingID, c.DiskOfferingID, false},
	})
	if p != nil {
		return p
	}
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Problem{FieldAPIURL, fkerrors.Invalid, "api_url is not an absolute http(s) URL"}
	}
	return nil
}

// Check returns the first problem with v, or nil: host, user name and password are required,
// the host must be a host name, host:port or https URL, and no value may be padded with
// white space.
func (v *VSphere) Check() *Problem {
	p := checkFields([]fieldValue{
		{FieldHost, v.Host, true},
		{FieldUsername, v.Username, true},
		{FieldPassword, v.Password.Reveal(), true},
		{FieldDatacenter, v.Datacenter, false},
	})
	if p != nil {
		return p
	}
	if strings.Contains(v.Host, "://") {
		u, err := url.Parse(v.Host)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &Problem{FieldHost, fkerrors.Invalid, "host is neither a host name nor an http(s) URL"}
		}
	} else if strings.ContainsAny(v.Host, "/ ?#@") {
		return &Problem{FieldHost, fkerrors.Invalid, "host is not a host name or host:port"}
	}
	return nil
}

func checkFields(fields []fieldValue) *Problem {
	for _, f := range fields {
		if f.required && strings.TrimSpace(f.value) == "" {
			return &Problem{f.field, fkerrors.Incomplete, string(f.field) + " is empty"}
		}
		if f.value != strings.TrimSpace(f.value) {
			return &Problem{f.field, fkerrors.Invalid, string(f.field) + " has leading or trailing white space"}
		}
	}
	return nil
}

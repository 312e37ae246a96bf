package credentials

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
// required, the URL must be an absolute http(s) URL, no value may be padded with white
// space, and every value must be within its field's bounds (see CheckField).
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
// the host must be a host name, host:port or https URL whose host name has at most 253
// bytes in labels of at most 63, no value may be padded with white space, and every value
// must be within its field's bounds (see CheckField).
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
	hostname := v.Host
	if strings.Contains(v.Host, "://") {
		u, err := url.Parse(v.Host)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &Problem{FieldHost, fkerrors.Invalid, "host is neither a host name nor an http(s) URL"}
		}
		hostname = u.Hostname()
	} else if strings.ContainsAny(v.Host, "/ ?#@") {
		return &Problem{FieldHost, fkerrors.Invalid, "host is not a host name or host:port"}
	} else if h, _, err := net.SplitHostPort(v.Host); err == nil {
		hostname = h
	}
	return checkHostName(hostname)
}

// checkHostName checks a host name (or an IP address) against DNS's bounds: at most 253
// bytes, labels of 1 to 63 letters, digits, hyphens or underscores.
func checkHostName(h string) *Problem {
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return nil
	}
	if len(h) > maxHostLen {
		return &Problem{FieldHost, fkerrors.Invalid, "host names a host of " + strconv.Itoa(len(h)) + " bytes, at most " + strconv.Itoa(maxHostLen)}
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	for i, label := range labels {
		switch {
		case label == "":
			return &Problem{FieldHost, fkerrors.Invalid, "host has an empty label (label " + strconv.Itoa(i+1) + ")"}
		case len(label) > maxLabelLen:
			return &Problem{FieldHost, fkerrors.Invalid, "host has a label of " + strconv.Itoa(len(label)) + " bytes (label " +
				strconv.Itoa(i+1) + "), at most " + strconv.Itoa(maxLabelLen)}
		}
		for _, r := range label {
			if r != '-' && r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return &Problem{FieldHost, fkerrors.Invalid, "host has a character that no host name holds (label " + strconv.Itoa(i+1) + ")"}
			}
		}
	}
	return nil
}

func checkFields(fields []fieldValue) *Problem {
	for _, f := range fields {
		if f.required && strings.TrimSpace(f.value) == "" {
			return &Problem{f.field, fkerrors.Incomplete, string(f.field) + " is empty"}
		}
		if p := CheckField(f.field, f.value); p != nil {
			return p
		}
	}
	return nil
}

// The bounds of field values. A stored value past them is corrupt or hostile, and is
// reported as what it is rather than passed on to fail later as a rejected login.
const (
	maxKeyLen       = 255  // CloudStack API and secret keys (CloudStack issues 86 characters)
	maxIDLen        = 64   // CloudStack resource ids (UUIDs, 36 characters)
	maxAccountIDLen = 40   // Ref.ID, a store's key for a set
	maxURLLen       = 8000 // api_url and a host given as a URL
	maxHostLen      = 253  // a DNS name
	maxLabelLen     = 63   // one label of a DNS name
	maxNameLen      = 255  // names: domain, zone, user, datacenter, an account's name
	maxPasswordLen  = 1024 // vCenter passwords
)

// charset is what characters a field may hold.
type charset int

const (
	// token: printable ASCII without spaces (keys, ids).
	token charset = iota
	// noSpace: UTF-8 without control characters or white space (URLs, hosts).
	noSpace
	// text: UTF-8 without control characters or bidirectional overrides (names).
	text
	// secretText: UTF-8 without control characters (passwords).
	secretText
)

type bound struct {
	max     int
	charset charset
}

var bounds = map[Field]bound{
	FieldAPIURL:            {maxURLLen, noSpace},
	FieldAPIKey:            {maxKeyLen, token},
	FieldSecretKey:         {maxKeyLen, token},
	FieldDomain:            {maxNameLen, text},
	FieldZone:              {maxNameLen, text},
	FieldApplianceVMID:     {maxIDLen, token},
	FieldTemplateID:        {maxIDLen, token},
	FieldNetworkID:         {maxIDLen, token},
	FieldServiceOfferingID: {maxIDLen, token},
	FieldDiskOfferingID:    {maxIDLen, token},
	FieldHost:              {maxURLLen, noSpace},
	FieldUsername:          {maxNameLen, text},
	FieldPassword:          {maxPasswordLen, secretText},
	FieldDatacenter:        {maxNameLen, text},
	FieldAccount:           {maxNameLen, text},
	FieldAccountID:         {maxAccountIDLen, token},
}

// FieldAccount and FieldAccountID are not fields of a set but the account's name and id as
// a Ref or a store names them; CheckField bounds them like the fields.
const (
	FieldAccount   Field = "account"
	FieldAccountID Field = "account_id"
)

// CheckField returns what is wrong with value as field f, or nil for an empty value (whether
// a field is required is the set's business): white space around it, more bytes than the
// field holds (keys 255, resource ids 64, account ids 40, URLs 8000, names 255, passwords
// 1024), invalid UTF-8, or a character the field never holds - keys and ids are printable
// ASCII without spaces, URLs and hosts hold no control character or white space, names no
// control character or bidirectional override, passwords no control character. The reason
// names the field, the length or the byte offset of the first bad character, never the
// value.
func CheckField(f Field, value string) *Problem {
	if value == "" {
		return nil
	}
	invalid := func(reason string) *Problem { return &Problem{f, fkerrors.Invalid, string(f) + " " + reason} }
	b, ok := bounds[f]
	if !ok {
		b = bound{maxNameLen, text}
	}
	if len(value) > b.max {
		return invalid("is " + strconv.Itoa(len(value)) + " bytes, at most " + strconv.Itoa(b.max))
	}
	if value != strings.TrimSpace(value) {
		return invalid("has leading or trailing white space")
	}
	for i, r := range value {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(value[i:]); size == 1 {
				return invalid("is not valid UTF-8 (at byte " + strconv.Itoa(i) + ")")
			}
		}
		if reason := charsetProblem(b.charset, r); reason != "" {
			return invalid("holds " + reason + " at byte " + strconv.Itoa(i))
		}
	}
	return nil
}

// charsetProblem describes r when cs does not allow it, or returns "".
func charsetProblem(cs charset, r rune) string {
	control := unicode.IsControl(r)
	switch cs {
	case token:
		if r <= ' ' || r >= 0x7f {
			if control {
				return "a control character"
			}
			return "a space or a character outside printable ASCII"
		}
	case noSpace:
		if control {
			return "a control character"
		}
		if unicode.IsSpace(r) {
			return "white space"
		}
		if isBidiControl(r) {
			return "a bidirectional-text control"
		}
	case text:
		if control {
			return "a control character"
		}
		if isBidiControl(r) {
			return "a bidirectional-text control"
		}
	case secretText:
		if control {
			return "a control character"
		}
	}
	return ""
}

// isBidiControl reports the characters that reorder the text around them.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

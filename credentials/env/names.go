package env

import (
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// FieldInsecureSkipVerify is the logical field of the *_ALLOW_UNVERIFIED_SSL variables (the
// credentials package's), kept here for callers that name env fields from this package.
const FieldInsecureSkipVerify = credentials.FieldInsecureSkipVerify

// FileSuffix turns a variable's name into the name of its file variant: the variable
// CLOUDSTACK_SECRET_KEY_PROD_FILE names a file holding the value of CLOUDSTACK_SECRET_KEY_PROD.
const FileSuffix = "_FILE"

// variable is one logical field and the name its variable has for the default account.
type variable struct {
	field credentials.Field
	base  string
	file  string // base + FileSuffix, kept so that the default account's lookups do not allocate
}

func newVariable(field credentials.Field, base string) variable {
	return variable{field: field, base: base, file: base + FileSuffix}
}

// The order is the order of the documentation table, of the checks, and of Origin.Location.
var cloudStackVariables = []variable{
	newVariable(credentials.FieldAPIURL, "CLOUDSTACK_API_URL"),
	newVariable(credentials.FieldAPIKey, "CLOUDSTACK_API_KEY"),
	newVariable(credentials.FieldSecretKey, "CLOUDSTACK_SECRET_KEY"),
	newVariable(credentials.FieldDomain, "CLOUDSTACK_DOMAIN"),
	newVariable(credentials.FieldZone, "CLOUDSTACK_ZONE"),
	newVariable(credentials.FieldApplianceVMID, "CLOUDSTACK_APPLIANCE_VM_ID"),
	newVariable(credentials.FieldTemplateID, "CLOUDSTACK_TEMPLATE_ID"),
	newVariable(credentials.FieldNetworkID, "CLOUDSTACK_NETWORK_ID"),
	newVariable(credentials.FieldServiceOfferingID, "CLOUDSTACK_SERVICE_OFFERING_ID"),
	newVariable(credentials.FieldDiskOfferingID, "CLOUDSTACK_DISK_OFFERING_ID"),
	newVariable(FieldInsecureSkipVerify, "CLOUDSTACK_ALLOW_UNVERIFIED_SSL"),
}

var vSphereVariables = []variable{
	newVariable(credentials.FieldHost, "VSPHERE_SERVER"),
	newVariable(credentials.FieldUsername, "VSPHERE_USER"),
	newVariable(credentials.FieldPassword, "VSPHERE_PASSWORD"),
	newVariable(credentials.FieldDatacenter, "VSPHERE_DATACENTER"),
	newVariable(FieldInsecureSkipVerify, "VSPHERE_ALLOW_UNVERIFIED_SSL"),
}

// The fields a set cannot do without; a missing-set remedy lists their variables.
var (
	cloudStackRequired = []credentials.Field{credentials.FieldAPIURL, credentials.FieldAPIKey, credentials.FieldSecretKey}
	vSphereRequired    = []credentials.Field{credentials.FieldHost, credentials.FieldUsername, credentials.FieldPassword}
)

func variablesOf(kind credentials.Kind) []variable {
	switch kind {
	case credentials.KindCloudStack:
		return cloudStackVariables
	case credentials.KindVSphere:
		return vSphereVariables
	}
	return nil
}

// Name returns the variable that holds field of kind for account: the default account's
// name (account "") or that name followed by AccountSuffix(account). Append FileSuffix for
// the file variant. An unknown kind or field, or an account name AccountSuffix rejects, is
// an ErrInvalid *credentials.Error.
func Name(kind credentials.Kind, field credentials.Field, account string) (string, error) {
	suffix, err := AccountSuffix(account)
	if err != nil {
		return "", err
	}
	for _, v := range variablesOf(kind) {
		if v.field == field {
			return v.base + suffix, nil
		}
	}
	return "", &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind,
		Account: account, Field: field,
		Problem: "no environment variable for field " + string(field) + " of kind " + string(kind),
		Fix:     "ask for a cloudstack or vsphere field listed in the env package documentation"}
}

// AccountSuffix returns the suffix that the variables of the named account carry: "_" and
// the name upper-cased, with every character other than an ASCII letter or digit replaced by
// "_". "prod-eu" gives "_PROD_EU"; "" (the default account) gives "".
//
// Names whose variables would be confused with others are rejected with ErrInvalid: a name
// with no ASCII letter or digit, a name that begins or ends with another character or holds
// two of them in a row (its variables would carry a doubled or trailing "_"), and a name
// that maps to FILE or ends in _FILE (CLOUDSTACK_API_KEY_FILE is the file variant of the
// default account's key, not account "file").
func AccountSuffix(account string) (string, error) {
	if account == "" {
		return "", nil
	}
	mapped, problem := mapAccount(account)
	if problem != "" {
		return "", &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Account: account,
			Problem: "account name " + problem,
			Fix:     "name the account with ASCII letters and digits, optionally joined by single separators (e.g. prod-eu), not ending in file"}
	}
	return "_" + mapped, nil
}

// mapAccount maps a non-empty account name to its variable suffix without the leading "_",
// or says why it cannot be used.
func mapAccount(account string) (string, string) {
	var b strings.Builder
	b.Grow(len(account))
	alnum := false
	for _, r := range account {
		switch {
		case 'a' <= r && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
			alnum = true
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			b.WriteByte(byte(r))
			alnum = true
		default:
			b.WriteByte('_')
		}
	}
	mapped := b.String()
	switch {
	case !alnum:
		return "", "has no ASCII letter or digit, so it maps to no variable suffix"
	case mapped[0] == '_' || mapped[len(mapped)-1] == '_':
		return "", "begins or ends with a character other than an ASCII letter or digit"
	case strings.Contains(mapped, "__"):
		return "", "holds two characters in a row that are not ASCII letters or digits"
	case mapped == "FILE" || strings.HasSuffix(mapped, FileSuffix):
		return "", "maps to a suffix ending in FILE, which would be read as a *_FILE variable"
	}
	return mapped, ""
}

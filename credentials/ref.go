package credentials

import (
	"strconv"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Ref selects the credential set an operation uses. The zero Ref selects the default: the
// active CloudStack configuration, or the default active vCenter set.
//
// A Ref that names an account (by Name or by ID) which does not exist is an error. Sources
// never switch to the default quietly; a caller that wants that sets AllowDefault, and every
// such switch is logged as a warning.
type Ref struct {
	// Name is the account's name: ossea_configs.name, vmware_credentials.credential_name,
	// the environment suffix, the Vault account path element.
	Name string `json:"name,omitempty"`
	// ID is the account's identifier where the source has one (a table's primary key).
	ID string `json:"id,omitempty"`
	// AllowDefault opts in to using the default set when the named account is missing.
	AllowDefault bool `json:"allow_default,omitempty"`
}

// Account returns a Ref selecting the account with the given name.
func Account(name string) Ref { return Ref{Name: name} }

// AccountID returns a Ref selecting the account with the given numeric id.
func AccountID(id int64) Ref { return Ref{ID: strconv.FormatInt(id, 10)} }

// IsDefault reports whether r selects the default set.
func (r Ref) IsDefault() bool { return r.Name == "" && r.ID == "" }

// OrDefault returns r with AllowDefault set.
func (r Ref) OrDefault() Ref {
	r.AllowDefault = true
	return r
}

// String names the selection for messages: the account name, "id=N", or "default", with
// fkerrors.Visible applied.
func (r Ref) String() string { return fkerrors.Visible(r.string()) }

func (r Ref) string() string {
	switch {
	case r.Name != "" && r.ID != "":
		return r.Name + " (id=" + r.ID + ")"
	case r.Name != "":
		return r.Name
	case r.ID != "":
		return "id=" + r.ID
	default:
		return "default"
	}
}

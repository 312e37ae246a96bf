package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// sourceName is the source kind in origins and errors.
const sourceName = "file"

// fileDoc is the layout of the credentials file: per kind of set, the default account and the
// accounts by name. Field names are the credentials package's Field names.
type fileDoc struct {
	CloudStack section[cloudStackEntry] `json:"cloudstack"`
	VSphere    section[vSphereEntry]    `json:"vsphere"`
}

type section[T any] struct {
	Default  string       `json:"default,omitempty"`
	Accounts map[string]T `json:"accounts,omitempty"`
}

type cloudStackEntry struct {
	APIURL             string `json:"api_url,omitempty"`
	APIKey             string `json:"api_key,omitempty"`
	SecretKey          string `json:"secret_key,omitempty"`
	Domain             string `json:"domain,omitempty"`
	Zone               string `json:"zone,omitempty"`
	ApplianceVMID      string `json:"appliance_vm_id,omitempty"`
	TemplateID         string `json:"template_id,omitempty"`
	NetworkID          string `json:"network_id,omitempty"`
	ServiceOfferingID  string `json:"service_offering_id,omitempty"`
	DiskOfferingID     string `json:"disk_offering_id,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

type vSphereEntry struct {
	Host               string `json:"host,omitempty"`
	Username           string `json:"username,omitempty"`
	Password           string `json:"password,omitempty"`
	Datacenter         string `json:"datacenter,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

func (e cloudStackEntry) set() credentials.CloudStack {
	return credentials.CloudStack{
		APIURL: e.APIURL, APIKey: credentials.NewSecret(e.APIKey), SecretKey: credentials.NewSecret(e.SecretKey),
		Domain: e.Domain, Zone: e.Zone, ApplianceVMID: e.ApplianceVMID, TemplateID: e.TemplateID,
		NetworkID: e.NetworkID, ServiceOfferingID: e.ServiceOfferingID, DiskOfferingID: e.DiskOfferingID,
		InsecureSkipVerify: e.InsecureSkipVerify,
	}
}

func (e vSphereEntry) set() credentials.VSphere {
	return credentials.VSphere{
		Host: e.Host, Username: e.Username, Password: credentials.NewSecret(e.Password),
		Datacenter: e.Datacenter, InsecureSkipVerify: e.InsecureSkipVerify,
	}
}

// fileSource is a credentials.Driver over one JSON file:
//
//	{
//	  "cloudstack": {
//	    "default": "primary",
//	    "accounts": {"primary": {"api_url": "...", "api_key": "...", "secret_key": "...", "zone": "..."}}
//	  },
//	  "vsphere": {
//	    "default": "lab-vc",
//	    "accounts": {"lab-vc": {"host": "...", "username": "...", "password": "...", "datacenter": "..."}}
//	  }
//	}
//
// It reads the file on every call, so a rewritten file is seen by the next operation with
// no restart and no file watcher. Writers should replace the file atomically (write a
// temporary file, then rename it over the old one) so that a reader never sees half of it.
// A driver implements the reads only; credentials.NewProvider adds what every source does
// (the fall-back to the default set when a caller allows it, the metadata, the context rule).
// A fileSource holds only its path, and is safe for concurrent use.
type fileSource struct {
	path string
}

// newFileSource returns the source over the file at path. It does not read the file: every
// fetch does.
func newFileSource(path string, opts ...credentials.ProviderOption) *credentials.Provider {
	return credentials.NewProvider(sourceName, &fileSource{path: path}, opts...)
}

// ReadCloudStack implements credentials.Driver.
func (s *fileSource) ReadCloudStack(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
	doc, err := s.read(ctx, credentials.KindCloudStack, ref)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	account, entry, err := pick(s, credentials.KindCloudStack, ref, doc.CloudStack.Default, doc.CloudStack.Accounts)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	set := entry.set()
	if p := set.Check(); p != nil {
		return credentials.CloudStack{}, s.problem(credentials.KindCloudStack, account, p)
	}
	set.Origin = s.origin(credentials.KindCloudStack, account)
	return set, nil
}

// ReadVSphere implements credentials.Driver.
func (s *fileSource) ReadVSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	doc, err := s.read(ctx, credentials.KindVSphere, ref)
	if err != nil {
		return credentials.VSphere{}, err
	}
	account, entry, err := pick(s, credentials.KindVSphere, ref, doc.VSphere.Default, doc.VSphere.Accounts)
	if err != nil {
		return credentials.VSphere{}, err
	}
	set := entry.set()
	if p := set.Check(); p != nil {
		return credentials.VSphere{}, s.problem(credentials.KindVSphere, account, p)
	}
	set.Origin = s.origin(credentials.KindVSphere, account)
	return set, nil
}

func (s *fileSource) read(ctx context.Context, kind credentials.Kind, ref credentials.Ref) (*fileDoc, error) {
	fail := func(category fkerrors.Code, problem, remedy string, cause error) error {
		return &credentials.Error{Code: category, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: problem, Fix: remedy, Err: cause}
	}
	data, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fail(fkerrors.NotFound, "the credentials file "+s.path+" does not exist",
			"create "+s.path+" with a \""+string(kind)+"\" section", nil)
	case errors.Is(err, fs.ErrPermission):
		return nil, fail(fkerrors.Permission, "cannot read "+s.path,
			"let this process read "+s.path+" (owner and mode)", err)
	case err != nil:
		return nil, fail(fkerrors.Unavailable, "cannot read "+s.path,
			"make "+s.path+" a readable regular file", err)
	}
	var doc fileDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		// json's messages may quote a character of the input, which could be part of a
		// secret: say where the file is broken, not what is there.
		where := ""
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			where = fmt.Sprintf(" at byte %d", syntax.Offset)
		case errors.As(err, &typ):
			where = " at " + typ.Field
		}
		return nil, fail(fkerrors.Invalid, s.path+" is not a valid credentials file"+where,
			"fix the JSON in "+s.path+" (values are strings, insecure_skip_verify a boolean)", nil)
	}
	return &doc, nil
}

// pick resolves ref to an account of one section: by name, by id (read as a name, the file
// has no numeric ids), or the section's default.
func pick[T any](s *fileSource, kind credentials.Kind, ref credentials.Ref, def string, accounts map[string]T) (string, T, error) {
	var zero T
	account := ref.Name
	if account == "" {
		account = ref.ID
	}
	if ref.IsDefault() {
		if def == "" {
			return "", zero, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind,
				Account: ref.String(), Problem: "no default " + string(kind) + " account in " + s.path,
				Fix: "set \"" + string(kind) + ".default\" in " + s.path + " to the name of an account"}
		}
		account = def
	}
	entry, ok := accounts[account]
	if !ok {
		where := "\"" + string(kind) + ".accounts." + account + "\""
		return "", zero, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind,
			Account: account, Problem: "no " + where + " in " + s.path,
			Fix: "add " + where + " to " + s.path + ", or name an account that exists"}
	}
	return account, entry, nil
}

// problem turns a Check result into an error naming the key to fix in the file.
func (s *fileSource) problem(kind credentials.Kind, account string, p *credentials.Problem) error {
	key := "\"" + string(kind) + ".accounts." + account + "." + string(p.Field) + "\""
	action := "fill in "
	if errors.Is(p.Code, fkerrors.Invalid) {
		action = "correct "
	}
	return &credentials.Error{Code: p.Code, Source: sourceName, Kind: kind, Account: account,
		Field: p.Field, Problem: p.Reason, Fix: action + key + " in " + s.path}
}

// origin names the file and the JSON path of a set: never a value.
func (s *fileSource) origin(kind credentials.Kind, account string) credentials.Origin {
	return credentials.Origin{Source: sourceName, Account: account,
		Location: s.path + " " + string(kind) + ".accounts." + account}
}

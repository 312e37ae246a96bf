package vault

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// kvKey maps a key of the KV secret to a logical field. The key names are the environment
// source's variable names, lower-cased without their CLOUDSTACK_ or VSPHERE_ prefix.
type kvKey struct {
	name     string
	field    credentials.Field
	required bool
	// flag marks the boolean allow_unverified_ssl key, which has no string field.
	flag bool
}

// FieldInsecureSkipVerify is the logical field the allow_unverified_ssl key fills
// (InsecureSkipVerify), as errors name it: the credentials package's, shared with the env source.
const FieldInsecureSkipVerify = credentials.FieldInsecureSkipVerify

var cloudStackKeys = []kvKey{
	{name: "api_url", field: credentials.FieldAPIURL, required: true},
	{name: "api_key", field: credentials.FieldAPIKey, required: true},
	{name: "secret_key", field: credentials.FieldSecretKey, required: true},
	{name: "domain", field: credentials.FieldDomain},
	{name: "zone", field: credentials.FieldZone},
	{name: "appliance_vm_id", field: credentials.FieldApplianceVMID},
	{name: "template_id", field: credentials.FieldTemplateID},
	{name: "network_id", field: credentials.FieldNetworkID},
	{name: "service_offering_id", field: credentials.FieldServiceOfferingID},
	{name: "disk_offering_id", field: credentials.FieldDiskOfferingID},
	{name: "allow_unverified_ssl", field: FieldInsecureSkipVerify, flag: true},
}

var vSphereKeys = []kvKey{
	{name: "server", field: credentials.FieldHost, required: true},
	{name: "user", field: credentials.FieldUsername, required: true},
	{name: "password", field: credentials.FieldPassword, required: true},
	{name: "datacenter", field: credentials.FieldDatacenter},
	{name: "allow_unverified_ssl", field: FieldInsecureSkipVerify, flag: true},
}

func keysOf(kind credentials.Kind) []kvKey {
	if kind == credentials.KindVSphere {
		return vSphereKeys
	}
	return cloudStackKeys
}

// decoded is a secret's data sorted into fields.
type decoded struct {
	values   map[credentials.Field]string
	insecure bool
	// unknown lists keys the secret holds that no field reads, a likely misspelling.
	unknown []string
}

// value is a field's value, "" when the secret has none.
func (d decoded) value(f credentials.Field) string { return d.values[f] }

// decode sorts e.data into fields. A value of the wrong type is ErrInvalid naming its key; the
// message never includes a value.
func (e *entry) decode(keys []kvKey) (decoded, error) {
	d := decoded{values: map[credentials.Field]string{}}
	for name := range e.data {
		if !slices.ContainsFunc(keys, func(k kvKey) bool { return k.name == name }) {
			d.unknown = append(d.unknown, name)
		}
	}
	sort.Strings(d.unknown)
	for _, k := range keys {
		raw, present := e.data[k.name]
		if !present || raw == nil || raw == "" {
			continue
		}
		if k.flag {
			b, ok := flagValue(raw)
			if !ok {
				return decoded{}, e.fail(fkerrors.Invalid, k.field, "key "+k.name+" is not true or false (nor 1/0, yes/no)",
					"set it: vault kv patch -mount="+e.s.mount+" "+e.path+" "+k.name+"=false", nil)
			}
			d.insecure = b
			continue
		}
		switch v := raw.(type) {
		case string:
			d.values[k.field] = v
		case json.Number:
			d.values[k.field] = v.String()
		default:
			return decoded{}, e.fail(fkerrors.Invalid, k.field, fmt.Sprintf("key %s holds a %s, not a string", k.name, jsonType(raw)),
				"store it as a string: vault kv patch -mount="+e.s.mount+" "+e.path+" "+k.name+"=<"+k.name+">", nil)
		}
	}
	return d, nil
}

func flagValue(raw any) (bool, bool) {
	switch v := raw.(type) {
	case bool:
		return v, true
	case string:
		// The same spellings the environment source accepts; padding is not one of them.
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			return true, true
		case "false", "0", "no":
			return false, true
		}
	}
	return false, false
}

func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return "non-string value"
}

// problem turns a Check finding into an error naming the KV key to fix.
func (e *entry) problem(p *credentials.Problem, keys []kvKey, unknown []string) error {
	name := string(p.Field)
	for _, k := range keys {
		if k.field == p.Field {
			name = k.name
		}
	}
	patch := "vault kv patch -mount=" + e.s.mount + " " + e.path + " " + name + "=<" + name + ">"
	if p.Code == fkerrors.Incomplete {
		remedy := "add it: " + patch
		if len(unknown) > 0 {
			remedy += " (the secret holds keys no field reads: " + strings.Join(unknown, ", ") + "; misspelt?)"
		}
		return e.fail(p.Code, p.Field, "key "+name+" is missing or empty in "+e.dataPath(), remedy, nil)
	}
	return e.fail(p.Code, p.Field, "key "+name+" in "+e.dataPath()+": "+p.Reason, "correct it: "+patch, nil)
}

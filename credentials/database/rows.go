package database

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Table and column names exactly as the appliance has them.
const (
	tableCloudStack = "ossea_configs"
	tableVSphere    = "vmware_credentials"
	tableVMContexts = "vm_replication_contexts"
)

const cloudStackColumns = "id, name, api_url, api_key, secret_key, domain, zone, template_id, network_id, " +
	"service_offering_id, disk_offering_id, oma_vm_id, is_active"

const vSphereColumns = "id, credential_name, vcenter_host, username, password_encrypted, datacenter, is_active, is_default"

// flag scans a boolean column whatever the database made of it: BOOLEAN (PostgreSQL),
// TINYINT(1) (MariaDB), INTEGER or text (SQLite). NULL reads as false.
type flag bool

// Scan implements sql.Scanner.
func (f *flag) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*f = false
	case bool:
		*f = flag(v)
	case int64:
		*f = v != 0
	case float64:
		*f = v != 0
	case []byte:
		return f.parse(string(v))
	case string:
		return f.parse(v)
	default:
		return fmt.Errorf("cannot read a %T as a boolean", src)
	}
	return nil
}

func (f *flag) parse(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "f", "false", "n", "no", "\x00":
		*f = false
	case "1", "t", "true", "y", "yes", "\x01":
		*f = true
	default:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("cannot read %q as a boolean", s)
		}
		*f = n != 0
	}
	return nil
}

// text is a nullable text column; NULL reads as "".
type text struct{ sql.NullString }

func (t text) get() string { return t.String }

type cloudStackRow struct {
	id                                                                int64
	name, apiURL, apiKey, secretKey, domain, zone                     text
	templateID, networkID, serviceOfferingID, diskOfferingID, omaVMID text
	active                                                            flag
}

func (r *cloudStackRow) dest() []any {
	return []any{&r.id, &r.name, &r.apiURL, &r.apiKey, &r.secretKey, &r.domain, &r.zone,
		&r.templateID, &r.networkID, &r.serviceOfferingID, &r.diskOfferingID, &r.omaVMID, &r.active}
}

func (r *cloudStackRow) location() string {
	return tableCloudStack + " id=" + strconv.FormatInt(r.id, 10)
}

// named names the row for messages by location and name: ossea_configs id=3 ("prod").
func (r *cloudStackRow) named() string {
	return r.location() + " (" + strconv.Quote(r.name.get()) + ")"
}

// label names the row in a list: its name and id.
func (r *cloudStackRow) label() string {
	return strconv.Quote(r.name.get()) + " (id=" + strconv.FormatInt(r.id, 10) + ")"
}

type vSphereRow struct {
	id                                                  int64
	name, host, username, passwordEncrypted, datacenter text
	active, isDefault                                   flag
}

func (r *vSphereRow) dest() []any {
	return []any{&r.id, &r.name, &r.host, &r.username, &r.passwordEncrypted, &r.datacenter, &r.active, &r.isDefault}
}

func (r *vSphereRow) location() string { return tableVSphere + " id=" + strconv.FormatInt(r.id, 10) }

func (r *vSphereRow) named() string { return r.location() + " (" + strconv.Quote(r.name.get()) + ")" }

func (r *vSphereRow) label() string {
	return strconv.Quote(r.name.get()) + " (id=" + strconv.FormatInt(r.id, 10) + ")"
}

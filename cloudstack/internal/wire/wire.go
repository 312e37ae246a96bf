// Package wire holds the JSON shapes of the CloudStack API answers that the client (package
// cloudstack) reads and the simulator (cloudstack/simulator) writes. Both sides use these
// types, so a field the simulator sends is a field the client decodes, under CloudStack's
// own name and type; the two cannot drift apart.
//
// The structs carry the fields CloudStack sends that either side uses, not every field of
// CloudStack's response classes.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// NIC is one entry of a VM's "nic" list (NicResponse).
type NIC struct {
	ID          string `json:"id"`
	NetworkID   string `json:"networkid"`
	NetworkName string `json:"networkname,omitempty"`
	IPAddress   string `json:"ipaddress"`
	MACAddress  string `json:"macaddress"`
	IsDefault   bool   `json:"isdefault"`
	TrafficType string `json:"traffictype,omitempty"`
	Type        string `json:"type,omitempty"`
	// DeviceID is the NIC's position on the VM, a string as NicResponse declares it.
	DeviceID string `json:"deviceid,omitempty"`
}

// VM is a virtual machine (UserVmResponse).
type VM struct {
	ID                    string            `json:"id"`
	Name                  string            `json:"name"`
	DisplayName           string            `json:"displayname"`
	Account               string            `json:"account,omitempty"`
	Domain                string            `json:"domain,omitempty"`
	DomainID              string            `json:"domainid,omitempty"`
	State                 string            `json:"state"`
	ZoneID                string            `json:"zoneid"`
	ZoneName              string            `json:"zonename,omitempty"`
	TemplateID            string            `json:"templateid"`
	TemplateName          string            `json:"templatename,omitempty"`
	TemplateDisplayText   string            `json:"templatedisplaytext,omitempty"`
	Hypervisor            string            `json:"hypervisor,omitempty"`
	OSTypeID              string            `json:"ostypeid,omitempty"`
	GuestOSID             string            `json:"guestosid,omitempty"`
	ServiceOfferingID     string            `json:"serviceofferingid"`
	ServiceOfferingName   string            `json:"serviceofferingname,omitempty"`
	CPUNumber             int               `json:"cpunumber"`
	CPUSpeed              int               `json:"cpuspeed"`
	Memory                int               `json:"memory"`
	Created               string            `json:"created"`
	HAEnable              bool              `json:"haenable"`
	RootDeviceID          int               `json:"rootdeviceid"`
	RootDeviceType        string            `json:"rootdevicetype,omitempty"`
	PasswordEnabled       bool              `json:"passwordenabled"`
	IsDynamicallyScalable bool              `json:"isdynamicallyscalable"`
	Details               map[string]string `json:"details,omitempty"`
	// BootType ("Bios", "Uefi") and BootMode ("legacy", "secure") are sent as
	// UserVmJoinDaoImpl sets them: only for a VM with a UEFI detail, or with no details at all.
	BootType string `json:"boottype,omitempty"`
	BootMode string `json:"bootmode,omitempty"`
	NIC      []NIC  `json:"nic"`
}

// ListKey is the key CloudStack lists VMs under.
func (VM) ListKey() string { return "virtualmachine" }

// Volume is a disk volume (VolumeResponse).
type Volume struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Account          string `json:"account,omitempty"`
	Domain           string `json:"domain,omitempty"`
	DomainID         string `json:"domainid,omitempty"`
	Type             string `json:"type"`
	State            string `json:"state"`
	ZoneID           string `json:"zoneid"`
	ZoneName         string `json:"zonename,omitempty"`
	Size             int64  `json:"size"`
	Created          string `json:"created,omitempty"`
	StorageType      string `json:"storagetype,omitempty"`
	StorageID        string `json:"storageid,omitempty"`
	Storage          string `json:"storage,omitempty"`
	Path             string `json:"path,omitempty"`
	Destroyed        bool   `json:"destroyed"`
	Hypervisor       string `json:"hypervisor,omitempty"`
	DiskOfferingID   string `json:"diskofferingid,omitempty"`
	DiskOfferingName string `json:"diskofferingname,omitempty"`
	TemplateID       string `json:"templateid,omitempty"`
	VirtualMachineID string `json:"virtualmachineid,omitempty"`
	// DeviceID is a pointer because CloudStack sends device 0 for a boot disk and no
	// device at all for a detached volume.
	DeviceID      *int64 `json:"deviceid,omitempty"`
	Attached      string `json:"attached,omitempty"`
	VMName        string `json:"vmname,omitempty"`
	VMDisplayName string `json:"vmdisplayname,omitempty"`
	VMState       string `json:"vmstate,omitempty"`
}

// ListKey is the key CloudStack lists volumes under.
func (Volume) ListKey() string { return "volume" }

// Snapshot is a volume snapshot (SnapshotResponse).
type Snapshot struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Account      string `json:"account,omitempty"`
	Domain       string `json:"domain,omitempty"`
	DomainID     string `json:"domainid,omitempty"`
	VolumeID     string `json:"volumeid"`
	VolumeName   string `json:"volumename,omitempty"`
	VolumeType   string `json:"volumetype"`
	State        string `json:"state"`
	SnapshotType string `json:"snapshottype"`
	IntervalType string `json:"intervaltype,omitempty"`
	ZoneID       string `json:"zoneid"`
	Created      string `json:"created"`
	Revertable   bool   `json:"revertable"`
	VirtualSize  int64  `json:"virtualsize"`
	PhysicalSize int64  `json:"physicalsize"`
	LocationType string `json:"locationtype,omitempty"`
}

// ListKey is the key CloudStack lists snapshots under.
func (Snapshot) ListKey() string { return "snapshot" }

// Zone is an availability zone (ZoneResponse).
type Zone struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	NetworkType     string `json:"networktype,omitempty"`
	AllocationState string `json:"allocationstate,omitempty"`
}

// ListKey is the key CloudStack lists zones under.
func (Zone) ListKey() string { return "zone" }

// ServiceOffering is a compute offering (ServiceOfferingResponse). A customized offering
// sends no CPU and memory figures.
type ServiceOffering struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	DisplayText  string `json:"displaytext,omitempty"`
	CPUNumber    int    `json:"cpunumber,omitempty"`
	CPUSpeed     int    `json:"cpuspeed,omitempty"`
	Memory       int    `json:"memory,omitempty"`
	IsCustomized bool   `json:"iscustomized"`
	StorageType  string `json:"storagetype,omitempty"`
}

// ListKey is the key CloudStack lists service offerings under.
func (ServiceOffering) ListKey() string { return "serviceoffering" }

// DiskOffering is a disk offering (DiskOfferingResponse); DiskSize is in GB.
type DiskOffering struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	DisplayText  string `json:"displaytext,omitempty"`
	DiskSize     int64  `json:"disksize"`
	IsCustomized bool   `json:"iscustomized"`
	StorageType  string `json:"storagetype,omitempty"`
}

// ListKey is the key CloudStack lists disk offerings under.
func (DiskOffering) ListKey() string { return "diskoffering" }

// Template is a VM template (TemplateResponse).
type Template struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	DisplayText  string `json:"displaytext,omitempty"`
	ZoneID       string `json:"zoneid"`
	ZoneName     string `json:"zonename,omitempty"`
	OSTypeID     string `json:"ostypeid,omitempty"`
	OSTypeName   string `json:"ostypename,omitempty"`
	Hypervisor   string `json:"hypervisor,omitempty"`
	Size         int64  `json:"size,omitempty"`
	IsReady      bool   `json:"isready"`
	Status       string `json:"status,omitempty"`
	Format       string `json:"format,omitempty"`
	TemplateType string `json:"templatetype,omitempty"`
	IsPublic     bool   `json:"ispublic"`
	IsFeatured   bool   `json:"isfeatured"`
	// Details holds the template's details; "UEFI" (LEGACY or SECURE) is the boot mode VMs
	// deployed from it without boottype get.
	Details map[string]string `json:"details,omitempty"`
}

// ListKey is the key CloudStack lists templates under.
func (Template) ListKey() string { return "template" }

// Network is a guest network (NetworkResponse).
type Network struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayText string `json:"displaytext,omitempty"`
	ZoneID      string `json:"zoneid"`
	ZoneName    string `json:"zonename,omitempty"`
	CIDR        string `json:"cidr,omitempty"`
	State       string `json:"state,omitempty"`
	TrafficType string `json:"traffictype,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ListKey is the key CloudStack lists networks under.
func (Network) ListKey() string { return "network" }

// Item is a type CloudStack lists under a fixed key.
type Item interface{ ListKey() string }

// List is a list answer: "count" (the total before paging) and the items under their key.
// It encodes as ApiResponseSerializer does: {} for a count of zero, {"count": N} with no
// items key when the page is empty although the total is not (a page past the end).
type List[T Item] struct {
	Count int
	Items []T
}

// MarshalJSON writes the list as CloudStack's ApiResponseSerializer.toJSONSerializedString does.
func (l List[T]) MarshalJSON() ([]byte, error) {
	if l.Count == 0 {
		return []byte("{}"), nil
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `{"count":%d`, l.Count)
	if len(l.Items) > 0 {
		var zero T
		items, err := json.Marshal(l.Items)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&buf, `,%q:`, zero.ListKey())
		buf.Write(items)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads count and the items under T's key; a missing key is an empty list.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*l = List[T]{}
	if c, ok := raw["count"]; ok {
		if err := json.Unmarshal(c, &l.Count); err != nil {
			return err
		}
	}
	var zero T
	if items, ok := raw[zero.ListKey()]; ok {
		return json.Unmarshal(items, &l.Items)
	}
	return nil
}

// Submitted is an async command's immediate answer: the job, plus the id of the resource
// a create command allocated (CreateCmdResponse).
type Submitted struct {
	JobID string `json:"jobid"`
	ID    string `json:"id,omitempty"`
}

// Async job status values of queryAsyncJobResult (JobInfo.Status ordinals).
const (
	JobPending   = 0
	JobSucceeded = 1
	JobFailed    = 2
)

// AsyncJob is queryAsyncJobResult's answer (AsyncJobResponse). JobResult holds the result
// object ({"volume": {...}}) when the job succeeded, an Error when it failed, and is absent
// while it runs.
type AsyncJob struct {
	JobID           string          `json:"jobid"`
	AccountID       string          `json:"accountid,omitempty"`
	UserID          string          `json:"userid,omitempty"`
	Cmd             string          `json:"cmd,omitempty"`
	JobStatus       int             `json:"jobstatus"`
	JobProcStatus   int             `json:"jobprocstatus"`
	JobResultCode   int             `json:"jobresultcode"`
	JobResultType   string          `json:"jobresulttype,omitempty"`
	JobResult       json.RawMessage `json:"jobresult,omitempty"`
	Created         string          `json:"created,omitempty"`
	Completed       string          `json:"completed,omitempty"`
	JobInstanceType string          `json:"jobinstancetype,omitempty"`
	JobInstanceID   string          `json:"jobinstanceid,omitempty"`
}

// Error is CloudStack's error body (ExceptionResponse): the body of a failed call under
// "<command>response", and the result of a failed job. CSErrorCode is set for failed calls
// only; ApiAsyncJobDispatcher does not fill it in for jobs.
type Error struct {
	UUIDList    []string `json:"uuidList"`
	ErrorCode   int      `json:"errorcode"`
	CSErrorCode int      `json:"cserrorcode,omitempty"`
	ErrorText   string   `json:"errortext"`
}

// Success is the answer of a command that returns no object (SuccessResponse). Success is
// nil when the answer did not say.
type Success struct {
	Success     *Bool  `json:"success"`
	DisplayText string `json:"displaytext,omitempty"`
}

// Bool decodes a JSON boolean, or the strings "true" and "false" some CloudStack releases
// send in its place.
type Bool bool

// UnmarshalJSON accepts true, false, "true" and "false" (any case).
func (b *Bool) UnmarshalJSON(p []byte) error {
	var v any
	if err := json.Unmarshal(p, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = Bool(x)
	case string:
		*b = Bool(bytes.EqualFold([]byte(x), []byte("true")))
	case nil:
		*b = false
	default:
		return fmt.Errorf("wire: %s is not a boolean", p)
	}
	return nil
}

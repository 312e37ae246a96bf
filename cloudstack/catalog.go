package cloudstack

import (
	"context"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Zone is a CloudStack zone.
type Zone struct {
	ID   string
	Name string
}

// ServiceOffering is a compute offering. A Custom offering takes CPUs and memory from the
// deploy call (DeploySpec.CPUs, MemoryMB); a fixed one sets them itself.
type ServiceOffering struct {
	ID          string
	Name        string
	CPUs        int
	CPUSpeedMHz int
	MemoryMB    int
	Custom      bool
}

// DiskOffering is a data disk offering. A Custom offering takes its size from the request.
type DiskOffering struct {
	ID     string
	Name   string
	SizeGB int64
	Custom bool
}

// Template is a VM template.
type Template struct {
	ID     string
	Name   string
	ZoneID string
	// OSTypeID and OSTypeName are the guest OS type the template was registered with
	// ("Windows Server 2019 (64-bit)", "Ubuntu 22.04 LTS"); Family classifies it.
	OSTypeID   string
	OSTypeName string
}

// Family is the OS family of the template's OS type (see OSFamilyOf): what a failover
// compares with the source VM's guest family so that a Windows guest does not land on a
// Linux template.
func (t *Template) Family() OSFamily { return OSFamilyOf(t.OSTypeName) }

// Network is a guest network.
type Network struct {
	ID     string
	Name   string
	ZoneID string
}

// Zones lists the zones the account can see. It is also the cheapest authenticated call,
// which makes it the credential check.
func (c *Client) Zones(ctx context.Context) ([]Zone, error) {
	var l wire.List[wire.Zone]
	if err := c.request(ctx, "listZones", "", newParams(), &l); err != nil {
		return nil, err
	}
	zones := make([]Zone, len(l.Items))
	for i, z := range l.Items {
		zones[i] = Zone{ID: z.ID, Name: z.Name}
	}
	return zones, nil
}

// GetZone returns the zone with the given id or name, or an error matching fkerrors.NotFound.
func (c *Client) GetZone(ctx context.Context, idOrName string) (*Zone, error) {
	zones, err := c.Zones(ctx)
	if err != nil {
		return nil, err
	}
	for i := range zones {
		if zones[i].ID == idOrName || zones[i].Name == idOrName {
			return &zones[i], nil
		}
	}
	return nil, &APIError{Command: "listZones", Text: "no zone with id or name " + idOrName, Code: fkerrors.NotFound}
}

// GetServiceOffering returns the compute offering with the given id.
func (c *Client) GetServiceOffering(ctx context.Context, id string) (*ServiceOffering, error) {
	return getOne(ctx, c, "listServiceOfferings", "service offering", id, newParams("id", id),
		func(o wire.ServiceOffering) (string, ServiceOffering) {
			return o.ID, ServiceOffering{ID: o.ID, Name: o.Name, CPUs: o.CPUNumber, CPUSpeedMHz: o.CPUSpeed, MemoryMB: o.Memory, Custom: o.IsCustomized}
		})
}

// GetDiskOffering returns the disk offering with the given id.
func (c *Client) GetDiskOffering(ctx context.Context, id string) (*DiskOffering, error) {
	return getOne(ctx, c, "listDiskOfferings", "disk offering", id, newParams("id", id),
		func(o wire.DiskOffering) (string, DiskOffering) {
			return o.ID, DiskOffering{ID: o.ID, Name: o.Name, SizeGB: o.DiskSize, Custom: o.IsCustomized}
		})
}

// GetTemplate returns the template with the given id.
func (c *Client) GetTemplate(ctx context.Context, id string) (*Template, error) {
	return getOne(ctx, c, "listTemplates", "template", id, newParams("id", id, "templatefilter", "all"),
		func(t wire.Template) (string, Template) {
			return t.ID, Template{ID: t.ID, Name: t.Name, ZoneID: t.ZoneID, OSTypeID: t.OSTypeID, OSTypeName: t.OSTypeName}
		})
}

// GetNetwork returns the network with the given id.
func (c *Client) GetNetwork(ctx context.Context, id string) (*Network, error) {
	return getOne(ctx, c, "listNetworks", "network", id, newParams("id", id, "listall", "true"),
		func(n wire.Network) (string, Network) { return n.ID, Network{ID: n.ID, Name: n.Name, ZoneID: n.ZoneID} })
}

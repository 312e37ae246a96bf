package cloudstack

import (
	"context"
	"encoding/json"
)

// Zone is a CloudStack zone.
type Zone struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ServiceOffering is a compute offering. A Custom offering takes CPUs and memory from the
// deploy call (DeploySpec.CPUs, MemoryMB); a fixed one sets them itself.
type ServiceOffering struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CPUs        int    `json:"cpunumber"`
	CPUSpeedMHz int    `json:"cpuspeed"`
	MemoryMB    int    `json:"memory"`
	Custom      bool   `json:"iscustomized"`
}

// DiskOffering is a data disk offering.
type DiskOffering struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	SizeGB int64  `json:"disksize"`
	Custom bool   `json:"iscustomized"`
}

// Template is a VM template.
type Template struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	ZoneID string `json:"zoneid"`
}

// Network is a guest network.
type Network struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	ZoneID string `json:"zoneid"`
}

// Zones lists the zones the account can see. It is also the cheapest authenticated call,
// which makes it the credential check.
func (c *Client) Zones(ctx context.Context) ([]Zone, error) {
	var l struct {
		Zones []Zone `json:"zone"`
	}
	err := c.request(ctx, "listZones", "", newParams(), &l)
	return l.Zones, err
}

// GetZone returns the zone with the given id or name, or an error matching ErrNotFound.
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
	return nil, &APIError{Command: "listZones", Text: "no zone with id or name " + idOrName, category: ErrNotFound}
}

// GetServiceOffering returns the compute offering with the given id.
func (c *Client) GetServiceOffering(ctx context.Context, id string) (*ServiceOffering, error) {
	return getOne(ctx, c, "listServiceOfferings", "serviceoffering", "service offering", id,
		newParams("id", id), func(o ServiceOffering) string { return o.ID })
}

// GetDiskOffering returns the disk offering with the given id.
func (c *Client) GetDiskOffering(ctx context.Context, id string) (*DiskOffering, error) {
	return getOne(ctx, c, "listDiskOfferings", "diskoffering", "disk offering", id,
		newParams("id", id), func(o DiskOffering) string { return o.ID })
}

// GetTemplate returns the template with the given id.
func (c *Client) GetTemplate(ctx context.Context, id string) (*Template, error) {
	return getOne(ctx, c, "listTemplates", "template", "template", id,
		newParams("id", id, "templatefilter", "all"), func(t Template) string { return t.ID })
}

// GetNetwork returns the network with the given id.
func (c *Client) GetNetwork(ctx context.Context, id string) (*Network, error) {
	return getOne(ctx, c, "listNetworks", "network", "network", id,
		newParams("id", id, "listall", "true"), func(n Network) string { return n.ID })
}

// getOne runs a list command filtered by id and returns the item with that id from the list
// under key, or an error matching ErrNotFound.
func getOne[T any](ctx context.Context, c *Client, command, key, what, id string, p *params, idOf func(T) string) (*T, error) {
	if id == "" {
		return nil, invalidArg(command, "empty %s id", what)
	}
	var raw map[string]json.RawMessage
	if err := c.request(ctx, command, "", p, &raw); err != nil {
		return nil, err
	}
	var items []T
	if b, ok := raw[key]; ok {
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, &APIError{Command: command, Text: "unreadable " + what + " list: " + err.Error(), category: ErrInternal}
		}
	}
	for i := range items {
		if idOf(items[i]) == id {
			return &items[i], nil
		}
	}
	return nil, notFound(command, what, id)
}

func notFound(command, what, id string) error {
	return &APIError{Command: command, Text: "no " + what + " with id " + id, category: ErrNotFound}
}

package simulator

import (
	"strings"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// matchKeyword mirrors CloudStack's keyword filter: a case-insensitive substring of the name.
func matchKeyword(r *request, name string) bool {
	k := r.get("keyword")
	return k == "" || strings.Contains(lower(name), lower(k))
}

// checkID answers 431 when an id filter names nothing, as CloudStack's parameter processing
// does before the command runs.
func checkID[T any](r *request, name string, m map[string]*T) *apiError {
	if id := r.get(name); id != "" {
		if _, ok := m[id]; !ok {
			return invalidID(r.command, name, id)
		}
	}
	return nil
}

func (s *Simulator) listZones(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.zones); err != nil {
		return nil, err
	}
	var items []wire.Zone
	for _, z := range sortedValues(s.zones) {
		if (r.get("id") != "" && z.ID != r.get("id")) || (r.get("name") != "" && z.Name != r.get("name")) || !matchKeyword(r, z.Name) {
			continue
		}
		items = append(items, zoneJSON(z))
	}
	return listBody(r, items)
}

func (s *Simulator) listServiceOfferings(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.serviceOfferings); err != nil {
		return nil, err
	}
	var items []wire.ServiceOffering
	for _, o := range sortedValues(s.serviceOfferings) {
		if (r.get("id") != "" && o.ID != r.get("id")) || (r.get("name") != "" && o.Name != r.get("name")) || !matchKeyword(r, o.Name) {
			continue
		}
		items = append(items, serviceOfferingJSON(o))
	}
	return listBody(r, items)
}

func (s *Simulator) listDiskOfferings(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.diskOfferings); err != nil {
		return nil, err
	}
	var items []wire.DiskOffering
	for _, o := range sortedValues(s.diskOfferings) {
		if (r.get("id") != "" && o.ID != r.get("id")) || (r.get("name") != "" && o.Name != r.get("name")) || !matchKeyword(r, o.Name) {
			continue
		}
		items = append(items, diskOfferingJSON(o))
	}
	return listBody(r, items)
}

func (s *Simulator) listTemplates(r *request) (any, *apiError) {
	if _, err := r.require("templatefilter"); err != nil {
		return nil, err
	}
	if err := checkID(r, "id", s.templates); err != nil {
		return nil, err
	}
	if err := checkID(r, "zoneid", s.zones); err != nil {
		return nil, err
	}
	var items []wire.Template
	for _, t := range sortedValues(s.templates) {
		if (r.get("id") != "" && t.ID != r.get("id")) || (r.get("name") != "" && t.Name != r.get("name")) ||
			(r.get("zoneid") != "" && t.ZoneID != r.get("zoneid")) || !matchKeyword(r, t.Name) {
			continue
		}
		items = append(items, s.templateJSON(t))
	}
	return listBody(r, items)
}

func (s *Simulator) listNetworks(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.networks); err != nil {
		return nil, err
	}
	if err := checkID(r, "zoneid", s.zones); err != nil {
		return nil, err
	}
	var items []wire.Network
	for _, n := range sortedValues(s.networks) {
		if (r.get("id") != "" && n.ID != r.get("id")) || (r.get("name") != "" && n.Name != r.get("name")) ||
			(r.get("zoneid") != "" && n.ZoneID != r.get("zoneid")) || !matchKeyword(r, n.Name) {
			continue
		}
		items = append(items, s.networkJSON(n))
	}
	return listBody(r, items)
}

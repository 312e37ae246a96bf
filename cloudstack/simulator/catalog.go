package simulator

import (
	"maps"
	"strings"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// matchKeyword mirrors CloudStack's keyword filter: a case-insensitive substring of the name.
func matchKeyword(r *request, name string) bool {
	k := r.get("keyword")
	return k == "" || strings.Contains(lower(name), lower(k))
}

// matchName is the name filter of every list command the simulator implements. CloudStack
// compares the name with SQL equality (SearchCriteria.Op.EQ), not LIKE '%name%', in each
// of them; the callers cite where. Its tables are created DEFAULT CHARSET=utf8
// (setup/db/create-schema.sql), whose default collation, utf8_general_ci, compares
// case-insensitively: name=WEB finds "web". The collation's accent folding and trailing
// space padding are not modelled.
func matchName(r *request, name string) bool {
	n := r.get("name")
	return n == "" || equalFold(name, n)
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

// listEntries renders, in id order, the entries of m that pass the filters every catalog list
// command takes: id exactly, name as matchName, keyword as a case-insensitive substring of
// the name.
// keep applies a command's own filters; nil keeps every entry.
func listEntries[T any, W wire.Item](r *request, m map[string]*T, idName func(*T) (string, string), keep func(*T) bool, render func(*T) W) (any, *apiError) {
	var items []W
	for _, e := range sortedValues(m) {
		id, name := idName(e)
		if (r.get("id") != "" && id != r.get("id")) || !matchName(r, name) || !matchKeyword(r, name) {
			continue
		}
		if keep != nil && !keep(e) {
			continue
		}
		items = append(items, render(e))
	}
	return listBody(r, items)
}

// inZone is the zoneid filter of the list commands that take one.
func inZone(r *request, zoneID string) bool {
	return r.get("zoneid") == "" || zoneID == r.get("zoneid")
}

// listZones filters as QueryManagerImpl.listDataCentersInternal does: id alone when given,
// else name alone (Op.EQ), else keyword; a zone's id is never narrowed by its name, nor its
// name by a keyword.
func (s *Simulator) listZones(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.zones); err != nil {
		return nil, err
	}
	narrowed := *r
	narrowed.params = maps.Clone(r.params)
	switch {
	case r.get("id") != "":
		delete(narrowed.params, "name")
		delete(narrowed.params, "keyword")
	case r.get("name") != "":
		delete(narrowed.params, "keyword")
	}
	return listEntries(&narrowed, s.zones, func(z *Zone) (string, string) { return z.ID, z.Name }, nil, zoneJSON)
}

// name: QueryManagerImpl.searchForServiceOfferingIdsAndCount, Op.EQ.
func (s *Simulator) listServiceOfferings(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.serviceOfferings); err != nil {
		return nil, err
	}
	return listEntries(r, s.serviceOfferings,
		func(o *cloudstack.ServiceOffering) (string, string) { return o.ID, o.Name }, nil, serviceOfferingJSON)
}

// name: QueryManagerImpl.searchForDiskOfferingsIdsAndCount, Op.EQ.
func (s *Simulator) listDiskOfferings(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.diskOfferings); err != nil {
		return nil, err
	}
	return listEntries(r, s.diskOfferings,
		func(o *cloudstack.DiskOffering) (string, string) { return o.ID, o.Name }, nil, diskOfferingJSON)
}

// name: QueryManagerImpl.templateChecks, Op.EQ.
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
	return listEntries(r, s.templates, func(t *Template) (string, string) { return t.ID, t.Name },
		func(t *Template) bool { return inZone(r, t.ZoneID) }, s.templateJSON)
}

// name: NetworkServiceImpl.createNetworkSearchCriteria, Op.EQ.
func (s *Simulator) listNetworks(r *request) (any, *apiError) {
	if err := checkID(r, "id", s.networks); err != nil {
		return nil, err
	}
	if err := checkID(r, "zoneid", s.zones); err != nil {
		return nil, err
	}
	return listEntries(r, s.networks, func(n *Network) (string, string) { return n.ID, n.Name },
		func(n *Network) bool { return inZone(r, n.ZoneID) }, s.networkJSON)
}

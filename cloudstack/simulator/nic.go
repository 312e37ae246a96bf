package simulator

import (
	"fmt"
	"sort"
	"strings"
)

// nicRequest is one NIC a deployVirtualMachine call asks for: a network and, optionally, a
// MAC address in standard form.
type nicRequest struct {
	network *Network
	mac     string
}

// requestedNICs reads the NICs a deployVirtualMachine call asks for, in order, as
// BaseDeployVMCmd and UserVmManagerImpl do. Only the existence of the networks is checked
// here (their zone is checked later, as CloudStack does); without networkids or
// iptonetworklist the result is empty and the zone's network is used.
func (s *Simulator) requestedNICs(r *request) ([]nicRequest, *apiError) {
	ipList, err := r.mapParam("iptonetworklist")
	if err != nil {
		return nil, err
	}
	var nics []nicRequest
	if len(ipList) > 0 {
		// BaseDeployVMCmd.getNetworkIds: iptonetworklist excludes networkids and the
		// addresses of the default NIC.
		if r.get("networkids") != "" || r.get("ipaddress") != "" || r.get("ip6address") != "" {
			return nil, paramErr("ipToNetworkMap can't be specified along with networkIds or ipAddress")
		}
		if nics, err = s.ipToNetworkMap(ipList); err != nil {
			return nil, err
		}
	} else {
		for _, id := range r.list("networkids") {
			// UserVmManagerImpl gives every entry its own NIC, so a network may repeat.
			n, ok := s.networks[id]
			if !ok {
				return nil, invalidID(r.command, "networkids", id)
			}
			nics = append(nics, nicRequest{network: n})
		}
	}
	if r.get("ipaddress") != "" || r.get("ip6address") != "" {
		return nil, paramErr("simulator: requested IP addresses (ipaddress, ip6address, iptonetworklist[i].ip and .ipv6) are not modelled; leave them out")
	}
	// BaseDeployVMCmd.getMacAddress: the MAC of the default NIC.
	if mac := r.get("macaddress"); mac != "" {
		std, err := checkRequestedMac(mac)
		if err != nil {
			return nil, err
		}
		if len(nics) > 0 {
			// UserVmManagerImpl: the default NIC's profile is replaced by one with this MAC.
			nics[0].mac = std
		} else {
			nics = append(nics, nicRequest{mac: std}) // the zone's network, found later
		}
	}
	return nics, nil
}

// ipToNetworkMap is BaseDeployVMCmd.getIpToNetworkMap: entries in index order into a map
// keyed by network, so that a network named twice keeps its first position and its last
// entry's addresses - one NIC, not two.
func (s *Simulator) ipToNetworkMap(list map[int]map[string]string) ([]nicRequest, *apiError) {
	indexes := make([]int, 0, len(list))
	for i := range list {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	var nics []nicRequest
	pos := map[string]int{}
	for _, i := range indexes {
		entry := list[i]
		id, ok := entry["networkid"]
		n := s.networks[id]
		if !ok || n == nil {
			// getNetworkIdFomIpMap: not a network uuid, and not a number either.
			if !ok {
				id = "null"
			}
			return nil, paramErr("Unable to translate and find entity with networkId: %s", id)
		}
		if entry["ip"] != "" || entry["ipv6"] != "" {
			return nil, paramErr("simulator: requested IP addresses (ipaddress, ip6address, iptonetworklist[i].ip and .ipv6) are not modelled; leave them out")
		}
		req := nicRequest{network: n}
		if mac, ok := entry["mac"]; ok {
			std, err := checkRequestedMac(mac)
			if err != nil {
				return nil, err
			}
			req.mac = std
		}
		if p, seen := pos[n.ID]; seen {
			nics[p] = req
			continue
		}
		pos[n.ID] = len(nics)
		nics = append(nics, req)
	}
	return nics, nil
}

// checkRequestedMac applies BaseDeployVMCmd's checks to a requested MAC address and returns
// it standardized.
func checkRequestedMac(mac string) (string, *apiError) {
	b, ok := parseMac(mac)
	switch {
	case !ok:
		return "", paramErr("Mac address is not valid: %s", mac)
	case b[0]&1 == 1:
		// NetUtils.isUnicastMac: libvirt refuses a multicast MAC (group bit set).
		return "", paramErr("Mac address is not unicast: %s", mac)
	}
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]), nil
}

// parseMac is NetUtils.isValidMac: six groups of one or two hex digits in any case, joined
// by one separator - ':', '-' or '.' - used throughout.
func parseMac(s string) ([6]byte, bool) {
	var b [6]byte
	var sep byte
	group, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		case strings.IndexByte(":-.", c) >= 0:
			if digits == 0 || group == 5 || (sep != 0 && c != sep) {
				return b, false
			}
			sep, group, digits = c, group+1, 0
			continue
		default:
			return b, false
		}
		if digits == 2 {
			return b, false
		}
		b[group] = b[group]<<4 | v
		digits++
	}
	return b, group == 5 && digits > 0
}

// nicsLocked creates the NICs of a new VM: device ids in order, the first the default, a
// requested MAC kept, the others generated.
func (s *Simulator) nicsLocked(reqs []nicRequest) []NIC {
	out := make([]NIC, 0, len(reqs))
	for i, req := range reqs {
		nic := s.newNICLocked(req.network, i)
		if req.mac != "" {
			// GuestNetworkGuru.allocate keeps a requested MAC and does not check it against
			// the network's other NICs.
			nic.MACAddress = req.mac
		}
		out = append(out, nic)
	}
	return out
}

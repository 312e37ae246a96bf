package cloudstack

import (
	"fmt"
	"strconv"
	"strings"
)

// NIC is a VM's network interface as CloudStack reports it.
type NIC struct {
	ID          string
	NetworkID   string
	NetworkName string
	IPAddress   string
	// MACAddress is in CloudStack's form: lower case, colon-separated.
	MACAddress string
	IsDefault  bool
	// DeviceID is the NIC's position on the VM (0 for the first); -1 when CloudStack did not
	// say.
	DeviceID int
}

// NICSpec is one NIC of a VM to deploy.
type NICSpec struct {
	// NetworkID is the guest network the NIC is on. Several NICs may share a network.
	NetworkID string
	// MACAddress, when set, is the NIC's MAC address - usually the source NIC's, so that DHCP
	// reservations and licences bound to it follow the VM. Six hex pairs separated by ':',
	// '-' or '.'; it must be unicast. Empty lets CloudStack generate one.
	MACAddress string
}

// nicParams encodes the NICs of a deployVirtualMachine call, in order, the first being the
// default NIC:
//
//   - No MAC asked for, or only the first NIC's: networkids (one entry per NIC, repeats
//     allowed: UserVmManagerImpl gives each entry its own NIC), plus macaddress for the
//     first NIC, which BaseDeployVMCmd applies to the default NIC only.
//   - A MAC asked for on any other NIC: iptonetworklist[i].networkid and .mac. CloudStack
//     reads that list into a map keyed by network (BaseDeployVMCmd.getIpToNetworkMap), so
//     two entries for one network collapse into one NIC; such a spec is refused here.
//
// Every MAC is checked as NetUtils.isValidMac and isUnicastMac check it and sent in
// NetUtils.standardizeMacAddress's form.
func nicParams(command string, nics []NICSpec, p paramSetter) error {
	macs := make([]string, len(nics))
	onlyFirst := true
	for i, n := range nics {
		if strings.TrimSpace(n.NetworkID) == "" {
			return invalidArg(command, "DeploySpec.NICs[%d] has no network id: map its source network to a CloudStack network", i)
		}
		if n.MACAddress == "" {
			continue
		}
		mac, err := normalizeMAC(n.MACAddress)
		if err != nil {
			return invalidArg(command, "DeploySpec.NICs[%d].MACAddress %q %s", i, n.MACAddress, err.Error())
		}
		macs[i] = mac
		if i > 0 {
			onlyFirst = false
		}
	}
	if onlyFirst {
		ids := make([]string, len(nics))
		for i, n := range nics {
			ids[i] = n.NetworkID
		}
		p.SetParam("networkids", strings.Join(ids, ","))
		if macs[0] != "" {
			p.SetParam("macaddress", macs[0])
		}
		return nil
	}
	first := map[string]int{}
	for i, n := range nics {
		if j, dup := first[n.NetworkID]; dup {
			return invalidArg(command, "DeploySpec.NICs[%d] and NICs[%d] are both on network %s while MAC addresses are asked for beyond the first NIC: "+
				"CloudStack takes such MACs only in iptonetworklist, which holds one NIC per network; map those source networks to "+
				"distinct CloudStack networks, or keep the MAC address of the first NIC only", j, i, n.NetworkID)
		}
		first[n.NetworkID] = i
	}
	for i, n := range nics {
		prefix := "iptonetworklist[" + strconv.Itoa(i) + "]."
		p.SetParam(prefix+"networkid", n.NetworkID)
		if macs[i] != "" {
			p.SetParam(prefix+"mac", macs[i])
		}
	}
	return nil
}

// normalizeMAC applies CloudStack's rules for a requested MAC address (NetUtils.isValidMac,
// isUnicastMac) and returns it as NetUtils.standardizeMacAddress writes it:
// "00:50:56:9a:0b:1c".
func normalizeMAC(s string) (string, error) {
	sep := strings.IndexAny(s, ":-.")
	if sep < 0 {
		return "", errString("is not a MAC address CloudStack accepts: give six hex pairs separated by ':', '-' or '.'")
	}
	parts := strings.Split(s, s[sep:sep+1])
	var b [6]byte
	ok := len(parts) == 6
	for i := 0; ok && i < 6; i++ {
		v, err := strconv.ParseUint(parts[i], 16, 8)
		ok = err == nil && len(parts[i]) <= 2
		b[i] = byte(v)
	}
	if !ok {
		return "", errString("is not a MAC address CloudStack accepts: give six hex pairs separated by ':', '-' or '.'")
	}
	if b[0]&1 != 0 {
		return "", errString("is a multicast address, which CloudStack refuses for a NIC: give the source NIC's unicast address, or none to let CloudStack choose")
	}
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]), nil
}

package cloudstack

import "strings"

// OSFamily is the broad kind of operating system a template's OS type names. Its values are
// those of vsphere.GuestFamily, so the two compare as strings.
type OSFamily string

// The OS families.
const (
	OSWindows OSFamily = "windows"
	OSLinux   OSFamily = "linux"
	OSOther   OSFamily = "other"
)

// linuxOSTypes are words of CloudStack guest OS names (listOsTypes' description, a
// template's ostypename) that mark a Linux distribution whose name does not say "Linux".
var linuxOSTypes = []string{"centos", "ubuntu", "debian", "red hat", "rhel", "fedora", "suse", "sles", "opensuse",
	"rocky", "alma", "coreos", "amazon", "mandriva", "mandrake", "asianux", "gentoo", "alpine", "kylin",
	"openeuler", "euleros", "cloudlinux", "clearos", "scientific", "eurolinux", "turbolinux"}

// OSFamilyOf classifies a CloudStack OS type name ("Windows Server 2019 (64-bit)",
// "Ubuntu 22.04 LTS", "Other Linux (64-bit)"): Windows, Linux, or Other for the rest (BSDs,
// Solaris, "Other (64-bit)", unknown or empty names).
func OSFamilyOf(osTypeName string) OSFamily {
	n := strings.ToLower(osTypeName)
	switch {
	case strings.Contains(n, "windows"):
		return OSWindows
	case strings.Contains(n, "bsd"), strings.Contains(n, "solaris"):
		return OSOther
	case strings.Contains(n, "linux"):
		return OSLinux
	}
	for _, w := range linuxOSTypes {
		if strings.Contains(n, w) {
			return OSLinux
		}
	}
	return OSOther
}

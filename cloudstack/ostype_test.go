package cloudstack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func TestOSFamilyOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]cloudstack.OSFamily{
		"Windows Server 2019 (64-bit)":                 cloudstack.OSWindows,
		"Windows 10 (64-bit)":                          cloudstack.OSWindows,
		"Windows PV":                                   cloudstack.OSWindows,
		"Other Linux (64-bit)":                         cloudstack.OSLinux,
		"Ubuntu 22.04 LTS":                             cloudstack.OSLinux,
		"CentOS 7":                                     cloudstack.OSLinux,
		"Red Hat Enterprise Linux 9":                   cloudstack.OSLinux,
		"Debian GNU/Linux 12 (64-bit)":                 cloudstack.OSLinux,
		"SUSE Linux Enterprise Server 15 SP4 (64-bit)": cloudstack.OSLinux,
		"Rocky Linux 9":                                cloudstack.OSLinux,
		"Fedora 38":                                    cloudstack.OSLinux,
		"FreeBSD 13 (64-bit)":                          cloudstack.OSOther,
		"Oracle Solaris 11":                            cloudstack.OSOther,
		"Other (64-bit)":                               cloudstack.OSOther,
		"Other PV (64-bit)":                            cloudstack.OSOther,
		"":                                             cloudstack.OSOther,
	} {
		assert.Equal(t, want, cloudstack.OSFamilyOf(name), name)
	}
	// The engine compares template families with guest families as strings.
	assert.Equal(t, string(vsphere.GuestWindows), string(cloudstack.OSWindows))
	assert.Equal(t, string(vsphere.GuestLinux), string(cloudstack.OSLinux))
	assert.Equal(t, string(vsphere.GuestOther), string(cloudstack.OSOther))
}

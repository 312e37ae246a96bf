package cloudstack

import "strings"

// BootType is a VM's firmware as CloudStack's boottype parameter names it.
type BootType string

// Boot types (ApiConstants.BootType).
const (
	BootBIOS BootType = "BIOS"
	BootUEFI BootType = "UEFI"
)

// BootMode is how a UEFI VM boots, as CloudStack's bootmode parameter names it.
type BootMode string

// Boot modes (ApiConstants.BootMode).
const (
	// BootLegacy is UEFI without Secure Boot, and the only mode of a BIOS VM.
	BootLegacy BootMode = "LEGACY"
	// BootSecure is UEFI with Secure Boot.
	BootSecure BootMode = "SECURE"
)

// bootParams checks a DeploySpec's boot settings and sets boottype and bootmode. CloudStack
// (BaseDeployVMCmd.getBootMode) refuses UEFI without a boot mode and ignores a boot mode
// without a boot type; its getDetails fails with a NullPointerException on BIOS without a
// boot mode, so BIOS is always sent with LEGACY.
func bootParams(command string, t BootType, m BootMode, p paramSetter) error {
	t, m = BootType(strings.ToUpper(strings.TrimSpace(string(t)))), BootMode(strings.ToUpper(strings.TrimSpace(string(m))))
	switch {
	case t == "" && m == "":
		return nil
	case t == "":
		return invalidArg(command, "DeploySpec.BootMode %s without a BootType: CloudStack ignores a boot mode on its own; set BootType to UEFI (or BIOS, with LEGACY)", m)
	case t != BootBIOS && t != BootUEFI:
		return invalidArg(command, "DeploySpec.BootType %q: use BIOS or UEFI", t)
	case m != "" && m != BootLegacy && m != BootSecure:
		return invalidArg(command, "DeploySpec.BootMode %q: use LEGACY, or SECURE for UEFI Secure Boot", m)
	case t == BootUEFI && m == "":
		return invalidArg(command, "DeploySpec.BootType UEFI needs a BootMode, which CloudStack requires: SECURE for a source with Secure Boot on, LEGACY otherwise")
	case t == BootBIOS && m == BootSecure:
		return invalidArg(command, "DeploySpec.BootMode SECURE with BootType BIOS: Secure Boot needs UEFI; set BootType UEFI, or BootMode LEGACY")
	case t == BootBIOS:
		m = BootLegacy
	}
	p.SetParam("boottype", string(t))
	p.SetParam("bootmode", string(m))
	return nil
}

// bootFromWire reads a VM's boot settings. CloudStack's answer carries boottype and
// bootmode only for a VM with a UEFI detail or with no details at all
// (UserVmJoinDaoImpl), so the UEFI detail decides: a VM boots UEFI exactly when it has one,
// in the mode the detail holds.
func bootFromWire(typ, mode string, details map[string]string) (BootType, BootMode) {
	if strings.EqualFold(typ, string(BootUEFI)) {
		return BootUEFI, BootMode(strings.ToUpper(mode))
	}
	for k, v := range details {
		if strings.EqualFold(k, string(BootUEFI)) && v != "" {
			return BootUEFI, BootMode(strings.ToUpper(v))
		}
	}
	return BootBIOS, BootLegacy
}

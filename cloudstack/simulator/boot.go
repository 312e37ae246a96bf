package simulator

import (
	"strings"

	"github.com/ossea-migrate/failoverkit/cloudstack"
)

// bootRequest reads boottype and bootmode as BaseDeployVMCmd.getDetails does, before any
// other rule: a type and mode are returned when boottype is given; bootmode alone is never
// read there, so it changes nothing.
func bootRequest(r *request) (cloudstack.BootType, cloudstack.BootMode, *apiError) {
	rawType := strings.TrimSpace(r.get("boottype"))
	if rawType == "" {
		return "", "", nil
	}
	name := r.get("name")
	if name == "" {
		name = "null" // getName() of a call without a name
	}
	t := cloudstack.BootType(strings.ToUpper(rawType))
	if t != cloudstack.BootBIOS && t != cloudstack.BootUEFI {
		// getBootType; the missing space is CloudStack's.
		return "", "", paramErr("Invalid bootType %sSpecified for vm %s Valid values are: [BIOS, UEFI]", r.get("boottype"), name)
	}
	rawMode := strings.TrimSpace(r.get("bootmode"))
	m := cloudstack.BootMode(strings.ToUpper(rawMode))
	switch {
	case rawMode != "" && m != cloudstack.BootLegacy && m != cloudstack.BootSecure:
		return "", "", paramErr("Invalid bootmode: %s specified for VM: %s. Valid values are: [LEGACY, SECURE]", r.get("bootmode"), name)
	case rawMode == "" && t == cloudstack.BootUEFI:
		return "", "", paramErr("bootmode must be specified for the VM with boot type: UEFI. Valid values are: [LEGACY, SECURE]")
	case rawMode == "":
		// getDetails puts getBootMode().toString() for the boot type, and getBootMode is
		// null for BIOS without a mode: the NullPointerException reaches ApiServer, which
		// answers 530 (ServerApiException, cserrorcode 9999).
		return "", "", &apiError{code: CodeInternalError, csCode: csServerAPIException,
			text: `Cannot invoke "org.apache.cloudstack.api.ApiConstants$BootMode.toString()" because the return value of "org.apache.cloudstack.api.command.user.vm.BaseDeployVMCmd.getBootMode()" is null`}
	}
	return t, m, nil
}

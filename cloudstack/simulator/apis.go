package simulator

import (
	"strconv"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// apiParam is one parameter of a command as listApis describes it (ApiParameterResponse).
type apiParam struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Type is CloudStack's BaseCmd.CommandType lower-cased: uuid, string, long, integer,
	// boolean, list, map.
	Type     string `json:"type"`
	Length   int    `json:"length"`
	Required bool   `json:"required"`
	Since    string `json:"since,omitempty"`
}

// apiDoc is a command as listApis describes it (ApiDiscoveryResponse). The response field
// list CloudStack adds is left out.
type apiDoc struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Since       string     `json:"since,omitempty"`
	IsAsync     bool       `json:"isasync"`
	Params      []apiParam `json:"params"`
}

// ListKey is the key ApiDiscoveryServiceImpl lists commands under.
func (apiDoc) ListKey() string { return "api" }

// apiDocs describes the commands the simulator serves with the parameters it reads. Names,
// types, lengths and descriptions are CloudStack's own listApis answer (the one
// cloudstack-go v2.19.0 is generated from); "required" follows the @Parameter annotations of
// the *Cmd classes (DeployVMCmd, AttachVolumeCmd, CreateSnapshotCmd, ...), which the
// simulator enforces as ParamProcessWorker does. Parameters CloudStack accepts but the
// simulator ignores are not listed.
//
// templateid of deployVirtualMachine is required as DeployVMCmd declares it; CloudStack 4.21
// made it optional for deployments from a volume or snapshot, which the simulator does not
// model.
var apiDocs = map[string]apiDoc{
	"attachVolume": {
		Description: "Attaches a disk volume to a virtual machine.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "the ID of the disk volume"},
			{Name: "virtualmachineid", Type: "uuid", Length: 255, Required: true, Description: "the ID of the virtual machine"},
			{Name: "deviceid", Type: "long", Length: 255, Required: false, Description: "The ID of the device to map the volume to the guest OS. If no deviceID is informed, the next available deviceID will be chosen. Use 0 when volume needs to be attached as ROOT.<br>When using a linux operating system and the hypervisor XenServer, the devices IDs will be mapped as follows:<ul><li>0 maps to /dev/xvda;</li><li>1 maps to /dev/xvdb;</li><li>2 maps /dev/xvdc and so on.</li></ul>Please refer to the docs of your hypervisor for the correct mapping of the deviceID and the actual logical disk structure."},
		},
	},
	"createSnapshot": {
		Description: "Creates an instant snapshot of a volume.",
		Params: []apiParam{
			{Name: "volumeid", Type: "uuid", Length: 255, Required: true, Description: "The ID of the disk volume"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "the name of the snapshot"},
		},
	},
	"createVolume": {
		Description: "Creates a disk volume from a disk offering. This disk volume must still be attached to a virtual machine to make use of it.",
		Params: []apiParam{
			{Name: "diskofferingid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the disk offering. Either diskOfferingId or snapshotId must be passed in."},
			{Name: "zoneid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the availability zone"},
			{Name: "size", Type: "long", Length: 255, Required: false, Description: "Arbitrary volume size"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "the name of the disk volume"},
		},
	},
	"deleteSnapshot": {
		Description: "Deletes a snapshot of a disk volume.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the snapshot"},
		},
	},
	"deleteVolume": {
		Description: "Deletes a detached disk volume.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the disk volume"},
		},
	},
	"deployVirtualMachine": {
		Description: "Creates and automatically starts a virtual machine based on a service offering, disk offering, and template.",
		Params: []apiParam{
			{Name: "zoneid", Type: "uuid", Length: 255, Required: true, Description: "availability zone for the virtual machine"},
			{Name: "serviceofferingid", Type: "uuid", Length: 255, Required: true, Description: "the ID of the service offering for the virtual machine"},
			{Name: "templateid", Type: "uuid", Length: 255, Required: true, Description: "the ID of the template for the virtual machine"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "host name for the virtual machine"},
			{Name: "displayname", Type: "string", Length: 255, Required: false, Description: "an optional user generated name for the virtual machine"},
			{Name: "networkids", Type: "list", Length: 255, Required: false, Description: "list of network ids used by virtual machine. Can't be specified with ipToNetworkList parameter"},
			{Name: "iptonetworklist", Type: "map", Length: 255, Required: false, Description: "ip to network mapping. Can't be specified with networkIds parameter. Example: iptonetworklist[0].ip=10.10.10.11&iptonetworklist[0].ipv6=fc00:1234:5678::abcd&iptonetworklist[0].networkid=uuid&iptonetworklist[0].mac=aa:bb:cc:dd:ee::ff - requests to use ip 10.10.10.11 in network id=uuid"},
			{Name: "macaddress", Type: "string", Length: 255, Required: false, Description: "the mac address for default vm's network"},
			{Name: "ipaddress", Type: "string", Length: 255, Required: false, Description: "the ip address for default vm's network"},
			{Name: "ip6address", Type: "string", Length: 255, Required: false, Description: "the ipv6 address for default vm's network"},
			{Name: "boottype", Type: "string", Length: 255, Required: false, Since: "4.14.0.0", Description: "Guest VM Boot option either custom[UEFI] or default boot [BIOS]. Not applicable with VMware if the template is marked as deploy-as-is, as we honour what is defined in the template."},
			{Name: "bootmode", Type: "string", Length: 255, Required: false, Since: "4.14.0.0", Description: "Boot Mode [Legacy] or [Secure] Applicable when Boot Type Selected is UEFI, otherwise Legacy only for BIOS. Not applicable with VMware if the template is marked as deploy-as-is, as we honour what is defined in the template."},
			{Name: "diskofferingid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the disk offering for the virtual machine. If the template is of ISO format, the diskOfferingId is for the root disk volume. Otherwise this parameter is used to indicate the offering for the data disk volume. If the templateId parameter passed is from a Template object, the diskOfferingId refers to a DATA Disk Volume created. If the templateId parameter passed is from an ISO object, the diskOfferingId refers to a ROOT Disk Volume created."},
			{Name: "size", Type: "long", Length: 255, Required: false, Description: "the arbitrary size for the DATADISK volume. Mutually exclusive with diskOfferingId"},
			{Name: "rootdisksize", Type: "long", Length: 255, Required: false, Since: "4.4", Description: "Optional field to resize root disk on deploy. Value is in GB. Only applies to template-based deployments. Analogous to details[0].rootdisksize, which takes precedence over this parameter if both are provided"},
			{Name: "startvm", Type: "boolean", Length: 255, Required: false, Description: "true if start vm after creating; defaulted to true if not specified"},
			{Name: "details", Type: "map", Length: 255, Required: false, Since: "4.3", Description: "used to specify the custom parameters. 'extraconfig' is not allowed to be passed in details"},
		},
	},
	"destroyVirtualMachine": {
		Description: "Destroys a virtual machine. Once destroyed, only the administrator can recover it.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the virtual machine"},
			{Name: "expunge", Type: "boolean", Length: 255, Required: false, Since: "4.2.1", Description: "If true is passed, the vm is expunged immediately. False by default."},
			{Name: "volumeids", Type: "list", Length: 255, Required: false, Since: "4.12.0", Description: "Comma separated list of UUIDs for volumes that will be deleted"},
		},
	},
	"detachVolume": {
		Description: "Detaches a disk volume from a virtual machine.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "the ID of the disk volume"},
			{Name: "ids", Type: "list", Length: 255, Required: false, Since: "4.9", Description: "the IDs of the volumes, mutually exclusive with id"},
			{Name: "virtualmachineid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the virtual machine where the volume is detached from"},
			{Name: "deviceid", Type: "long", Length: 255, Required: false, Description: "the device ID on the virtual machine where volume is detached from"},
		},
	},
	"expungeVirtualMachine": {
		Description: "Expunge a virtual machine. Once expunged, it cannot be recoverd.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the virtual machine"},
		},
	},
	"listApis": {
		Description: "lists all available apis on the server, provided by the Api Discovery plugin",
		Since:       "4.1.0",
		Params: []apiParam{
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "API name"},
		},
	},
	"listDiskOfferings": {
		Description: "Lists all available disk offerings.",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "ID of the disk offering"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "name of the disk offering"},
		}),
	},
	"listNetworks": {
		Description: "Lists all available networks.",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "list networks by ID"},
			{Name: "name", Type: "string", Length: 255, Required: false, Since: "4.22.0", Description: "list networks by name"},
			{Name: "zoneid", Type: "uuid", Length: 255, Required: false, Description: "the zone ID of the network"},
		}, listAllParam),
	},
	"listServiceOfferings": {
		Description: "Lists all available service offerings.",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "ID of the service offering"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "name of the service offering"},
		}),
	},
	"listSnapshots": {
		Description: "Lists all available snapshots for the account.",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "lists snapshot by snapshot ID"},
			{Name: "volumeid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the disk volume"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "lists snapshot by snapshot name"},
		}, listAllParam),
	},
	"listTemplates": {
		Description: "List all public, private, and privileged templates.",
		Params: listCmd([]apiParam{
			{Name: "templatefilter", Type: "string", Length: 255, Required: true, Description: "possible values are \"featured\", \"self\", \"selfexecutable\",\"sharedexecutable\",\"executable\", and \"community\". * featured : templates that have been marked as featured and public. * self : templates that have been registered or created by the calling user. * selfexecutable : same as self, but only returns templates that can be used to deploy a new VM. * sharedexecutable : templates ready to be deployed that have been granted to the calling user by another user. * executable : templates that are owned by the calling user, or public templates, that can be used to deploy a VM. * community : templates that have been marked as public but not featured. * all : all templates (only usable by admins)."},
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "the template ID"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "the template name"},
			{Name: "zoneid", Type: "uuid", Length: 255, Required: false, Description: "list templates by zoneId"},
		}),
	},
	"listVirtualMachines": {
		Description: "List the virtual machines owned by the account.",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "the ID of the virtual machine"},
			{Name: "ids", Type: "list", Length: 255, Required: false, Since: "4.4", Description: "the IDs of the virtual machines, mutually exclusive with id"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "name of the virtual machine (a substring match is made against the parameter value, data for all matching VMs will be returned)"},
			{Name: "state", Type: "string", Length: 255, Required: false, Description: "state of the virtual machine. Possible values are: Running, Stopped, Present, Destroyed, Expunged. Present is used for the state equal not destroyed."},
			{Name: "zoneid", Type: "uuid", Length: 255, Required: false, Description: "the availability zone ID"},
			{Name: "templateid", Type: "uuid", Length: 255, Required: false, Description: "list vms by template"},
			{Name: "serviceofferingid", Type: "uuid", Length: 255, Required: false, Since: "4.4", Description: "list by the service offering"},
			{Name: "networkid", Type: "uuid", Length: 255, Required: false, Description: "list by network id"},
		}, listAllParam),
	},
	"listVolumes": {
		Description: "Lists all volumes.",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "the ID of the disk volume"},
			{Name: "virtualmachineid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the virtual machine"},
			{Name: "type", Type: "string", Length: 255, Required: false, Description: "the type of disk volume"},
			{Name: "zoneid", Type: "uuid", Length: 255, Required: false, Description: "the ID of the availability zone"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "the name of the disk volume"},
		}, listAllParam),
	},
	"listZones": {
		Description: "Lists zones",
		Params: listCmd([]apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: false, Description: "the ID of the zone"},
			{Name: "name", Type: "string", Length: 255, Required: false, Description: "the name of the zone"},
		}),
	},
	"queryAsyncJobResult": {
		Description: "Retrieves the current status of asynchronous job.",
		Params: []apiParam{
			{Name: "jobid", Type: "uuid", Length: 255, Required: true, Description: "the ID of the asynchronous job"},
		},
	},
	"rebootVirtualMachine": {
		Description: "Reboots a virtual machine.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the virtual machine"},
		},
	},
	"revertSnapshot": {
		Description: "This is supposed to revert a volume snapshot. This command is only supported with KVM so far",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the snapshot"},
		},
	},
	"startVirtualMachine": {
		Description: "Starts a virtual machine.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the virtual machine"},
		},
	},
	"stopVirtualMachine": {
		Description: "Stops a virtual machine.",
		Params: []apiParam{
			{Name: "id", Type: "uuid", Length: 255, Required: true, Description: "The ID of the virtual machine"},
			{Name: "forced", Type: "boolean", Length: 255, Required: false, Description: "Force stop the VM (vm is marked as Stopped even when command fails to be send to the backend, otherwise a force poweroff is attempted). This option is to be used if the caller knows the VM is stopped and should be marked as such."},
		},
	},
}

// describe returns a command's listApis entry.
func describe(name string) apiDoc {
	d := apiDocs[name]
	d.Name = name
	d.IsAsync = commands[name].async()
	return d
}

// listApis answers as ApiDiscoveryServiceImpl.listApis: every command the account may call
// (SetAllowedCommands acts as the role's API checker), or the one named; a name the account
// cannot see is ListApisCmd's error.
func (s *Simulator) listApis(r *request) (any, *apiError) {
	name := r.get("name")
	var items []apiDoc
	for _, c := range Commands() {
		if (name != "" && c != name) || !r.account.may(c) {
			continue
		}
		items = append(items, describe(c))
	}
	if name != "" && len(items) == 0 {
		// ListApisCmd.execute throws ServerApiException(INTERNAL_ERROR, ...).
		return nil, &apiError{code: CodeInternalError, csCode: csServerAPIException,
			text: "Api Discovery plugin was unable to find an api by that name or process any apis"}
	}
	return wire.List[apiDoc]{Count: len(items), Items: items}, nil
}

// listAllParam is listall, which the list commands that filter by owner take.
var listAllParam = apiParam{Name: "listall", Type: "boolean", Length: 255, Required: false, Description: "If set to false, list only resources belonging to the command's caller; if set to true - list resources that the caller is authorized to see. Default value is false. Resources dedicated to a project are listed only if using the projectid parameter."}

// listCmd gives a BaseListCmd's parameters: the command's own, then extra (listall where the
// command filters by owner), then the keyword and paging every list command takes.
func listCmd(own []apiParam, extra ...apiParam) []apiParam {
	params := append(own, extra...)
	return append(params,
		apiParam{Name: "keyword", Type: "string", Length: 255, Required: false, Description: "List by keyword"},
		apiParam{Name: "page", Type: "integer", Length: 255, Required: false, Description: ""},
		apiParam{Name: "pagesize", Type: "integer", Length: 255, Required: false, Description: ""})
}

// processParams checks a request against its command's parameters before the command runs,
// as CloudStack's dispatch chain does for every command, async ones included (so these are
// errors of the HTTP call, never of a job): ParamProcessWorker refuses a missing required
// parameter and a number that does not parse; BaseListCmd.validateSpecificParameters and
// getPageSize check page and pagesize.
func processParams(r *request) *apiError {
	for _, p := range apiDocs[r.command].Params {
		v, ok := r.params[p.Name]
		if !ok || v == "" {
			if p.Required {
				return missingParam(r.command, p.Name)
			}
			continue
		}
		switch p.Type {
		case "integer", "long", "short":
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return invalidValue(r.command, p.Name, v)
			}
		}
	}
	return checkPaging(r)
}

// maxPageSize is CloudStack's default.page.size, the largest page BaseListCmd allows.
const maxPageSize = 500

// unlimitedPageSize is BaseListCmd.s_pageSizeUnlimited: pagesize -1 lists everything.
const unlimitedPageSize = -1

// checkPaging applies BaseListCmd's rules: page and pagesize come together, except that
// pagesize -1 (unlimited) comes alone, and a page holds at most maxPageSize items. Only
// list commands take them.
func checkPaging(r *request) *apiError {
	if !isList(r.command) {
		return nil
	}
	page, size := r.get("page"), r.get("pagesize")
	n, _ := strconv.ParseInt(size, 10, 64)
	switch {
	case page == "" && size != "" && n != unlimitedPageSize:
		// validateSpecificParameters: a ServerApiException, so cserrorcode 9999.
		return &apiError{code: CodeParamError, csCode: csServerAPIException, text: `"page" parameter is required when "pagesize" is specified`}
	case page != "" && size == "":
		return &apiError{code: CodeParamError, csCode: csServerAPIException, text: `"pagesize" parameter is required when "page" is specified`}
	case n > maxPageSize:
		// getPageSize: an InvalidParameterValueException.
		return paramErr("Page size can't exceed max allowed page size value: %d", maxPageSize)
	case n == unlimitedPageSize && page != "":
		return paramErr("Can't specify page parameter when pagesize is -1 (Unlimited)")
	}
	return nil
}

// isList reports whether a command is a BaseListCmd: one that takes page and pagesize.
func isList(command string) bool {
	for _, p := range apiDocs[command].Params {
		if p.Name == "pagesize" {
			return true
		}
	}
	return false
}

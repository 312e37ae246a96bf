package simulator

import "slices"

// commands maps CloudStack command names (case-sensitive, as the real server matches them)
// to their implementations.
var commands = map[string]command{
	"listZones":            {sync: (*Simulator).listZones},
	"listServiceOfferings": {sync: (*Simulator).listServiceOfferings},
	"listDiskOfferings":    {sync: (*Simulator).listDiskOfferings},
	"listTemplates":        {sync: (*Simulator).listTemplates},
	"listNetworks":         {sync: (*Simulator).listNetworks},
	"listVirtualMachines":  {sync: (*Simulator).listVirtualMachines},
	"listVolumes":          {sync: (*Simulator).listVolumes},
	"listSnapshots":        {sync: (*Simulator).listSnapshots},
	"deleteVolume":         {sync: (*Simulator).deleteVolume},
	"queryAsyncJobResult":  {sync: (*Simulator).queryAsyncJobResult},

	"deployVirtualMachine":  {submit: (*Simulator).deployVirtualMachine},
	"startVirtualMachine":   {submit: (*Simulator).startVirtualMachine},
	"stopVirtualMachine":    {submit: (*Simulator).stopVirtualMachine},
	"rebootVirtualMachine":  {submit: (*Simulator).rebootVirtualMachine},
	"destroyVirtualMachine": {submit: (*Simulator).destroyVirtualMachine},
	"expungeVirtualMachine": {submit: (*Simulator).expungeVirtualMachine},
	"createVolume":          {submit: (*Simulator).createVolume},
	"attachVolume":          {submit: (*Simulator).attachVolume},
	"detachVolume":          {submit: (*Simulator).detachVolume},
	"createSnapshot":        {submit: (*Simulator).createSnapshot},
	"revertSnapshot":        {submit: (*Simulator).revertSnapshot},
	"deleteSnapshot":        {submit: (*Simulator).deleteSnapshot},
}

// listApis describes the table it is part of, so it joins it here rather than in the
// literal, which would make the table's initialization refer to itself.
func init() { commands["listApis"] = command{sync: (*Simulator).listApis} }

// Commands returns the names of the commands the simulator implements, sorted. Any other
// command is answered with HTTP 432, as CloudStack answers a command it does not have.
func Commands() []string {
	out := make([]string, 0, len(commands))
	for k := range commands {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// AsyncCommands returns the names of the commands that answer with a job id, sorted.
func AsyncCommands() []string {
	var out []string
	for k, c := range commands {
		if c.async() {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

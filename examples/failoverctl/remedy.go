package main

import "strings"

// cliTerms turns what the library's remedies name - Go options, methods and fields, for a
// program that embeds it - into what a failoverctl user types or an appliance operator
// uses. Longer phrases come first so that they win over the words they hold. A test checks
// that each library phrase is still in the library's source, so the table follows the
// library, and every command test checks that no remedy failoverctl prints names a Go
// identifier.
var cliTerms = []struct{ lib, cli string }{
	// The engine's operations are failoverctl's subcommands.
	{"Rollback (or Resume) on job ", "failoverctl rollback (or failoverctl resume) "},
	{"fix: Resume or Rollback the job", "fix: failoverctl resume JOB or failoverctl rollback JOB"},
	{"run Rollback on job ", "run failoverctl rollback "},
	{"Resume job ", "failoverctl resume "},
	{"or Rollback it to undo it", "or failoverctl rollback it to undo it"},
	{"run Commit again to finish it", "run failoverctl commit JOB again to finish it"},
	{"resume or roll it back first", "failoverctl resume JOB or failoverctl rollback JOB first"},
	// Options of a request or of the engine are flags.
	{"PowerOffOptions.AllowHard", "--hard"},
	{"PowerOffOptions.GracefulTimeout", "--graceful-timeout"},
	{"pass the zero Ref or opt in with Ref.OrDefault", "leave out the account flag or pass --allow-default"},
	// What shapes the new VM after its source.
	{"map them in Request.Networks.Test (source network name to CloudStack network id)", `map them with --map-network "vCenter network=CloudStack network id"`},
	{"map them in Request.Networks.Live (source network name to CloudStack network id)", `map them with --map-network "vCenter network=CloudStack network id"`},
	{" in Request.Networks", " in --map-network"},
	{"or set Request.NetworkID", "or pass --network"},
	{"or Request.NetworkID", "or --network"},
	{"correct Request.NetworkID", "correct --network"},
	{"in Request.TemplateID or Request.Templates (by guest family)", "with --template or --template-for FAMILY=ID"},
	{"set Request.AllowTemplateMismatch", "pass --allow-template-mismatch"},
	{"turn KeepMACs off", "leave out --keep-macs"},
	{"insecure_skip_verify", "--cloudstack-insecure or --vcenter-insecure"},
	{"pass database.WithKey(key) to NewWriter, with the key from database.KeyFromEnv", "pass --key-file with the appliance's key, or export"},
	{"pass database.WithKey(key) with the appliance's key from database.KeyFromEnv", "pass --key-file with the appliance's key, or export"},
	{"pass database.WithKey(key) with the key from database.KeyFromEnv", "pass --key-file with the appliance's key, or export"},
	{"database.AcceptPlaintextPasswords()", "an embedding program's opt-in"},
	{"(database.NewWriter with the appliance's key)", "(with the appliance's key)"},
	// The credential writer's calls are what an operator does in the appliance.
	{"Writer.ActivateCloudStack", "setting is_active to 1"},
	{"Writer.ActivateVSphere", "setting is_active to 1"},
	{"Writer.DeleteCloudStack", "the OMA GUI's OSSEA (CloudStack) configuration"},
	{"Writer.PutCloudStack", "the OMA GUI's OSSEA (CloudStack) configuration"},
	{"Writer.PutVSphere", "the OMA GUI's VMware (vCenter) credentials settings"},
	{"Writer.Put", "the OMA GUI's settings"},
	{"Writer.SetDefaultVSphere", "the default choice in the OMA GUI"},
	{"Writer.RotateCloudStackKeys", "the OMA GUI"},
	{"Writer.RotateVSpherePassword", "the OMA GUI"},
	{"Writer.ReencryptPlaintext", "the appliance's re-encryption"},
	{"Writer.LinkVM", "the OMA GUI's VM settings"},
}

// forCLI translates a library remedy into failoverctl's terms.
func forCLI(remedy string) string {
	for _, t := range cliTerms {
		remedy = strings.ReplaceAll(remedy, t.lib, t.cli)
	}
	return remedy
}

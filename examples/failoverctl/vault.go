package main

import (
	"github.com/spf13/pflag"

	"github.com/ossea-migrate/failoverkit/credentials/vault"
)

// vaultFlags configure the Vault source. There is deliberately no flag taking a token or a
// secret id as its value: command lines show in process listings. Tokens and secret ids come
// from files or named variables.
type vaultFlags struct {
	addr           string
	mount          string
	prefix         string
	pathTemplate   string
	namespace      string
	defaultAccount string
	tokenFile      string
	tokenEnv       string
	roleID         string
	roleIDFile     string
	secretIDFile   string
	secretIDEnv    string
	appRoleMount   string
}

func (f *vaultFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "vault", "", "credential source: Vault at this `address` (KV v2)")
	fs.StringVar(&f.mount, "vault-mount", "", `KV v2 mount (default "secret")`)
	fs.StringVar(&f.prefix, "vault-prefix", "", `first path element of the sets (default "failoverkit")`)
	fs.StringVar(&f.pathTemplate, "vault-path-template", "", `path of a set under the mount (default "failoverkit/{kind}/{account}")`)
	fs.StringVar(&f.namespace, "vault-namespace", "", "Vault Enterprise namespace")
	fs.StringVar(&f.defaultAccount, "vault-default-account", "", `account that the default set lives under (default "default")`)
	fs.StringVar(&f.tokenFile, "vault-token-file", "", "file holding the Vault token (re-read when Vault rejects it, e.g. Vault Agent's sink)")
	fs.StringVar(&f.tokenEnv, "vault-token-env", "", "environment variable holding the Vault token (e.g. VAULT_TOKEN)")
	fs.StringVar(&f.roleID, "vault-role-id", "", "AppRole role id (not a secret)")
	fs.StringVar(&f.roleIDFile, "vault-role-id-file", "", "file holding the AppRole role id")
	fs.StringVar(&f.secretIDFile, "vault-secret-id-file", "", "file holding the AppRole secret id")
	fs.StringVar(&f.secretIDEnv, "vault-secret-id-env", "", "environment variable holding the AppRole secret id")
	fs.StringVar(&f.appRoleMount, "vault-approle-mount", "", `AppRole auth mount (default "approle")`)
}

// options turns the flags into vault options; exactly one way to log in must be given.
func (f *vaultFlags) options() ([]vault.Option, error) {
	opts := []vault.Option{vault.WithAddress(f.addr)}
	for _, o := range []struct {
		v   string
		opt func(string) vault.Option
	}{
		{f.mount, vault.WithMount},
		{f.prefix, func(prefix string) vault.Option { return vault.WithPathTemplate(prefix + "/{kind}/{account}") }},
		{f.pathTemplate, vault.WithPathTemplate},
		{f.namespace, vault.WithNamespace},
		{f.defaultAccount, vault.WithDefaultAccount},
	} {
		if o.v != "" {
			opts = append(opts, o.opt(o.v))
		}
	}
	var logins int
	if f.tokenFile != "" {
		logins++
		opts = append(opts, vault.WithTokenFile(f.tokenFile))
	}
	if f.tokenEnv != "" {
		logins++
		opts = append(opts, vault.WithTokenEnv(f.tokenEnv))
	}
	approle := f.roleID != "" || f.roleIDFile != "" || f.secretIDFile != "" || f.secretIDEnv != ""
	if approle {
		logins++
		opts = append(opts, vault.WithAppRole(vault.AppRole{
			Mount: f.appRoleMount, RoleID: f.roleID, RoleIDFile: f.roleIDFile,
			SecretIDFile: f.secretIDFile, SecretIDEnv: f.secretIDEnv,
		}))
	}
	if logins != 1 {
		return nil, usagef("give --vault-token-file, --vault-token-env, or --vault-role-id[-file] with --vault-secret-id-file/--vault-secret-id-env",
			"--vault needs exactly one way to log in (%d given)", logins)
	}
	return opts, nil
}

func (a *app) openVaultSource(b *backend) error {
	opts, err := a.source.vault.options()
	if err != nil {
		return err
	}
	src, err := vault.New(append(opts, vault.WithLogger(a.logger))...)
	if err != nil {
		return err
	}
	b.src = src
	b.closers = append(b.closers, func() { _ = src.Close() })
	return nil
}

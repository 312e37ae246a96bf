// Package vault is a credentials.Source over HashiCorp Vault's KV version 2 secrets engine,
// through the official client (github.com/hashicorp/vault/api).
//
// Every CloudStack and VSphere call reads the latest version of one secret from Vault; the
// source keeps no credential between calls, so a `vault kv put` is seen by the next
// operation, without a restart.
//
//	src, err := vault.New(
//		vault.WithAddress("https://vault.example:8200"),
//		vault.WithAppRole(vault.AppRole{RoleIDFile: "/run/secrets/role-id", SecretIDFile: "/run/secrets/secret-id"}),
//	)
//	if err != nil { ... }
//	defer src.Close()
//	cs, err := src.CloudStack(ctx, credentials.Account("prod"))
//
// # Where sets are stored
//
// One secret per kind of set per account, under the KV v2 mount (WithMount, default
// "secret") at the path template (WithPathTemplate, default "failoverkit/{kind}/{account}").
// {kind} is "cloudstack" or "vsphere"; {account} is the
// account name: Ref.Name, else Ref.ID (Vault has no numeric ids, so the id is read as a
// name), else, for the zero Ref, the default account "default" (WithDefaultAccount). So with
// the defaults:
//
//	credentials.Ref{}               secret/data/failoverkit/cloudstack/default
//	credentials.Account("prod")     secret/data/failoverkit/cloudstack/prod
//	                                secret/data/failoverkit/vsphere/prod
//
// Account names are path elements: letters, digits and . - _ @ only; any other name is
// ErrInvalid. To make a set the default, write it at the default account's path too (or
// name the account "default"). A named account that is missing is ErrNotFound, never the
// default set; Ref.AllowDefault opts in to the default, and each such switch is logged as
// a warning.
//
// # Keys
//
// The keys are the environment source's variable names, lower-cased, without their
// CLOUDSTACK_ or VSPHERE_ prefix:
//
//	CloudStack key        field                 required
//	api_url               APIURL                yes
//	api_key               APIKey                yes
//	secret_key            SecretKey             yes
//	domain                Domain
//	zone                  Zone
//	appliance_vm_id       ApplianceVMID
//	template_id           TemplateID
//	network_id            NetworkID
//	service_offering_id   ServiceOfferingID
//	disk_offering_id      DiskOfferingID
//	allow_unverified_ssl  InsecureSkipVerify    boolean, default false
//
//	vSphere key           field                 required
//	server                Host                  yes
//	user                  Username              yes
//	password              Password              yes
//	datacenter            Datacenter
//	allow_unverified_ssl  InsecureSkipVerify    boolean, default false
//
// For example:
//
//	vault kv put -mount=secret failoverkit/cloudstack/prod \
//	    api_url=https://cloud.example/client/api api_key=... secret_key=... zone=zone1
//	vault kv put -mount=secret failoverkit/vsphere/prod \
//	    server=vcenter.example user=svc-migrate@vsphere.local password=... datacenter=DC1
//
// Values are strings (JSON numbers are taken as their text); an empty value is the same as
// a missing key. allow_unverified_ssl is a JSON
// boolean or one of true/false, 1/0, yes/no in any case. Other keys are ignored, but named in
// the remedy when a required key is missing, since they are likely misspelt.
//
// The set's Meta: Origin{Source: "vault", Account, Location: "mount M path P version N"};
// Version is the KV version number N, which Vault increments on every write; Fingerprint is
// that of the secret key or password.
//
// # Authentication
//
// Exactly one of:
//
//   - WithToken: a fixed token. When Vault rejects it there is nothing to log in with, so
//     the call fails with ErrUnauthenticated.
//   - WithTokenFile, WithTokenEnv: a token read from a file (Vault Agent's sink) or a
//     variable at first use, and read again when Vault rejects the token in use.
//   - WithAppRole: AppRole login. The role id and the secret id are read from their file or
//     variable at every login, so a rotated secret id is picked up without a restart.
//
// The first call logs in (for a token: looks itself up to learn its TTL). When two thirds of
// the token's TTL have passed, the next call renews it (auth/token/renew-self) if it is
// renewable and its max TTL allows, else logs in again when the method can. When a read is
// refused with 403 and the token's self-lookup fails too, the token is dead (expired or
// revoked): the source logs in again once and retries the read once. All of this happens on
// the calling goroutine; the source starts no goroutine of its own. The price: a token is
// renewed only when calls come, so one left idle past its TTL expires, and the next call
// logs in anew - which a fixed token (WithToken) cannot do. Long-idle processes should use
// AppRole or a token file kept fresh by Vault Agent.
//
// The client honours the usual VAULT_* variables for the address (VAULT_ADDR, when
// WithAddress is not given), TLS (VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT,
// VAULT_CLIENT_KEY, VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY) and VAULT_NAMESPACE, as the
// Vault CLI does; options win over them. VAULT_TOKEN is never used: the auth method is
// always explicit.
//
// # Errors
//
// Errors are *credentials.Error values naming the source "vault", the kind, the account, the
// field where one is at fault, and a remedy:
//
//   - ErrNotFound: no secret at the path (404); the remedy is the `vault kv put` that writes
//     it with its required keys. Also when the latest version is deleted (remedy: `vault kv
//     undelete` or a new put) or destroyed, and when no engine is mounted at the mount.
//   - ErrPermission: 403 while the token's self-lookup succeeds: the token's policies (named
//     in the message) lack read on the path; the remedy is the policy stanza to add, e.g.
//     path "secret/data/failoverkit/cloudstack/prod" { capabilities = ["read"] }.
//   - ErrUnauthenticated: 403 and the self-lookup fails too: the token is invalid or expired,
//     and logging in again did not help (or the method cannot); or the AppRole login was
//     refused (remedy: issue a new secret id); or a token or secret id file cannot be read.
//   - ErrIncomplete: a required key is missing or empty; the remedy is the `vault kv patch`
//     that adds it.
//   - ErrInvalid: a value is padded, malformed or of the wrong type; the account name is not
//     a path element; the mount is not KV version 2; New's options are inconsistent.
//   - ErrUnavailable: Vault is sealed (503), failing (5xx, 429), or unreachable; or the
//     source is closed.
//
// A call whose ctx ends returns ctx.Err(). No token, role id, secret id or credential value
// appears in any error or log record.
//
// # Concurrency
//
// A Source is safe for concurrent use. Calls share one token; when it must be obtained,
// renewed or replaced, one call does it while the others wait for it (or for their ctx).
// Close forgets the token and closes idle connections; nothing of the source outlives it.
// Each call reads one secret version, so a set is never a mix of two writes.
package vault

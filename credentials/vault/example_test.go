package vault_test

import (
	"fmt"

	"github.com/ossea-migrate/failoverkit/credentials/vault"
)

func ExampleNew() {
	src, err := vault.New(
		vault.WithAddress("https://vault.example.invalid:8200"),
		vault.WithMount("secret"),
		vault.WithPathTemplate("failoverkit/{kind}/{account}"),
		vault.WithAppRole(vault.AppRole{RoleIDFile: "/etc/failoverkit/role-id", SecretIDFile: "/etc/failoverkit/secret-id"}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	// Each operation then fetches, e.g. src.CloudStack(ctx, credentials.Account("prod")),
	// which reads secret/data/failoverkit/cloudstack/prod.
	fmt.Println("configured")
	// Output: configured
}

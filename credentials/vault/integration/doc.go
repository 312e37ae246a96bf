// Package integration runs the vault source against a real, in-process Vault core: the
// credentials conformance suite, the error cases that need real policies and AppRole, and a
// fetch benchmark. It is a separate module so that the library's go.mod does not carry
// Vault's server dependencies; it holds tests only.
//
// Run it from this directory:
//
//	go test -race -count=1 ./...
//	go test -run '^$' -bench Fetch -benchmem ./...
package integration

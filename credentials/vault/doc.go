// Package vault is a credentials.Source over HashiCorp Vault KV version 2.
package vault

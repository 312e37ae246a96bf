package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// readmeSnippet holds, between its markers, the embedding snippet README.md shows;
// TestReadmeSnippet runs it and checks that README.md still shows it as it is here.
func readmeSnippet(ctx context.Context, db *gorm.DB, vmPath string, volumes []failover.Volume) error {
	// README snippet start
	// Once, at start-up. No credential is read here.
	key, err := database.KeyFromEnv() // MIGRATEKIT_CRED_ENCRYPTION_KEY
	if err != nil {
		return err
	}
	src, err := database.New(db, database.WithKey(key)) // the appliance's own tables
	if err != nil {
		return err
	}
	store, err := failover.NewGormStore(ctx, db) // adds failover_jobs and failover_leases
	if err != nil {
		return err
	}
	engine, err := failover.New(src, failover.WithStore(store))
	if err != nil {
		return err
	}
	defer engine.Close(ctx)

	// Per request. Each operation fetches its credentials when it starts.
	job, err := engine.TestFailover(ctx, failover.Request{
		VM:         vsphere.ByPath(vmPath),
		CloudStack: credentials.Ref{},              // the active ossea_configs row
		VCenter:    credentials.Account("vcenter"), // a vmware_credentials set by name
		Volumes:    volumes,                        // replicated volumes, boot volume first
	})
	if err != nil {
		return fmt.Errorf("%w (fix: %s)", err, credentials.Remedy(err))
	}
	_, err = engine.Rollback(ctx, job.ID)
	return err
	// README snippet end
}

// TestReadmeSnippet runs the README's snippet against the offline setup, and fails when
// README.md no longer shows the snippet exactly as it is above.
func TestReadmeSnippet(t *testing.T) {
	ctx := context.Background()
	o, err := startOffline(ctx)
	require.NoError(t, err)
	t.Cleanup(o.close)
	t.Setenv(database.KeyEnv, base64.StdEncoding.EncodeToString(o.key))
	req := o.testRequest()
	require.NoError(t, readmeSnippet(ctx, o.db, req.VMPath, req.Volumes))

	source, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(source), "\t// README snippet start\n")
	require.True(t, ok)
	body, _, ok := strings.Cut(rest, "\t// README snippet end\n")
	require.True(t, ok)
	var snippet strings.Builder
	for _, line := range strings.SplitAfter(body, "\n") {
		snippet.WriteString(strings.TrimPrefix(line, "\t"))
	}
	assert.Contains(t, string(readme), snippet.String(), "README.md must show the snippet of readme_test.go")
}

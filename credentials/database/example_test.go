package database_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Example sets up the embedded default (SQLite), stores a CloudStack configuration (saved, so
// active) and a vCenter set with the Writer, and fetches them the way every operation does.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "failoverkit-example")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	dsn := "file:" + filepath.Join(dir, "creds.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	if err := database.Migrate(ctx, db); err != nil {
		panic(err)
	}

	// In the appliance the key comes from database.KeyFromEnv(); here a fresh one.
	key := make([]byte, database.KeySize)
	_, _ = rand.Read(key)
	w, err := database.NewWriter(db, database.WithKey(key))
	if err != nil {
		panic(err)
	}
	_, err = w.PutCloudStack(ctx, "production", credentials.CloudStack{
		APIURL: "https://cloud.example.invalid/client/api", Zone: "zone-1",
		APIKey: credentials.NewSecret("example-api-key"), SecretKey: credentials.NewSecret("example-secret-key"),
	})
	if err != nil {
		panic(err)
	}
	if _, err := w.PutVSphere(ctx, "lab-vc", credentials.VSphere{
		Host: "vc.example.invalid", Username: "svc-migrate", Password: credentials.NewSecret("example-password"),
	}); err != nil {
		panic(err)
	}

	src, err := database.New(db, database.WithKey(key))
	if err != nil {
		panic(err)
	}
	defer func() { _ = src.Close() }()

	cs, err := src.CloudStack(ctx, credentials.Ref{})
	if err != nil {
		panic(err)
	}
	fmt.Println("cloudstack:", cs.Origin, cs.APIKey)

	vc, err := src.VSphere(ctx, credentials.Account("lab-vc"))
	if err != nil {
		panic(err)
	}
	fmt.Println("vsphere:", vc.Origin, vc.Username)

	// No default vCenter set yet: the error says how to fix it.
	_, err = src.VSphere(ctx, credentials.Ref{})
	fmt.Println(errors.Is(err, fkerrors.NotFound), fkerrors.Remedy(err))
	// Output:
	// cloudstack: database account production (ossea_configs id=1) [REDACTED]
	// vsphere: database account lab-vc (vmware_credentials id=1) svc-migrate
	// true choose the default set in the OMA GUI's VMware (vCenter) credentials settings, set is_default to 1 on one active row, or call Writer.SetDefaultVSphere
}

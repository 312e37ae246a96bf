package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/internal/sqlitefile"
)

// Backend names a database server kind the tests run against.
type Backend string

// The backends. SQLite always runs; the servers run when their DSN variable is set.
const (
	SQLite   Backend = "sqlite"
	MariaDB  Backend = "mariadb"
	Postgres Backend = "postgres"
)

// Environment variables read by Backends and Open.
const (
	// MySQLDSNEnv holds a go-sql-driver/mysql DSN, e.g.
	// root@tcp(127.0.0.1:3306)/test?parseTime=true. The user must be allowed to create and
	// drop databases.
	MySQLDSNEnv = "FAILOVERKIT_TEST_MYSQL_DSN"
	// PostgresDSNEnv holds a pgx DSN (key=value or postgres:// URL), e.g.
	// host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable. The user must be
	// allowed to create and drop schemas.
	PostgresDSNEnv = "FAILOVERKIT_TEST_POSTGRES_DSN"
	// RequireEnv set to 1 turns a missing DSN from a skip into a failure, so that CI cannot
	// pass by silently not testing the servers.
	RequireEnv = "FAILOVERKIT_REQUIRE_DB"
)

var dsnEnv = map[Backend]string{MariaDB: MySQLDSNEnv, Postgres: PostgresDSNEnv}

// Backends returns the backends to run: SQLite always, MariaDB and PostgreSQL when their DSN
// variables are set. When a DSN is unset it logs the skip, or fails t when
// FAILOVERKIT_REQUIRE_DB=1.
func Backends(t testing.TB) []Backend {
	t.Helper()
	backends := []Backend{SQLite}
	for _, b := range []Backend{MariaDB, Postgres} {
		if os.Getenv(dsnEnv[b]) != "" {
			backends = append(backends, b)
			continue
		}
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s is unset but %s=1: export a DSN for the %s test server", dsnEnv[b], RequireEnv, b)
		}
		t.Logf("%s is unset: skipping %s (set %s=1 to make this a failure)", dsnEnv[b], b, RequireEnv)
	}
	return backends
}

// EachBackend runs test once per backend Backends returns, each as a parallel subtest named
// after it.
func EachBackend(t *testing.T, test func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

// Open returns a gorm handle on a fresh, empty database of backend that no other test
// shares: a new SQLite file in t.TempDir, a new MariaDB database fk_<random>, or a new
// PostgreSQL schema fk_<random> (selected through search_path). Cleanup closes the handle and
// drops the database or schema. Open fails t when the backend's DSN is unset (call Backends
// to decide which backends to run) or the server does not answer.
func Open(t testing.TB, backend Backend) *gorm.DB {
	t.Helper()
	cfg := &gorm.Config{Logger: logger.Discard}
	switch backend {
	case SQLite:
		path := filepath.Join(t.TempDir(), "test.db")
		dsn := sqlitefile.DSN(path)
		db, err := gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			t.Fatalf("open sqlite %s: %v", path, err)
		}
		closeOnCleanup(t, db)
		return db
	case MariaDB:
		return openMariaDB(t, cfg)
	case Postgres:
		return openPostgres(t, cfg)
	default:
		t.Fatalf("testdb: unknown backend %q", backend)
		return nil
	}
}

func dsn(t testing.TB, backend Backend) string {
	t.Helper()
	v := os.Getenv(dsnEnv[backend])
	if v == "" {
		t.Fatalf("%s is unset: cannot open a %s test database", dsnEnv[backend], backend)
	}
	return v
}

func uniqueName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random name: %v", err)
	}
	return "fk_" + hex.EncodeToString(b)
}

func openMariaDB(t testing.TB, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	base, err := gomysql.ParseDSN(dsn(t, MariaDB))
	if err != nil {
		t.Fatalf("parse %s: %v", MySQLDSNEnv, err)
	}
	base.ParseTime = true
	admin, err := gorm.Open(mysql.Open(base.FormatDSN()), cfg)
	if err != nil {
		t.Fatalf("connect to MariaDB from %s: %v", MySQLDSNEnv, err)
	}
	name := uniqueName(t)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4").Error; err != nil {
		t.Fatalf("create MariaDB database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.WithContext(ctx).Exec("DROP DATABASE IF EXISTS " + name).Error; err != nil {
			t.Errorf("drop MariaDB database %s: %v", name, err)
		}
		closeDB(t, admin)
	})
	own := base.Clone()
	own.DBName = name
	db, err := gorm.Open(mysql.Open(own.FormatDSN()), cfg)
	if err != nil {
		t.Fatalf("open MariaDB database %s: %v", name, err)
	}
	limitConnections(t, db)
	closeOnCleanup(t, db)
	return db
}

func openPostgres(t testing.TB, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	base := dsn(t, Postgres)
	admin, err := gorm.Open(postgres.Open(base), cfg)
	if err != nil {
		t.Fatalf("connect to PostgreSQL from %s: %v", PostgresDSNEnv, err)
	}
	name := uniqueName(t)
	if err := admin.Exec("CREATE SCHEMA " + name).Error; err != nil {
		t.Fatalf("create PostgreSQL schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.WithContext(ctx).Exec("DROP SCHEMA IF EXISTS " + name + " CASCADE").Error; err != nil {
			t.Errorf("drop PostgreSQL schema %s: %v", name, err)
		}
		closeDB(t, admin)
	})
	own, err := withSearchPath(base, name)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresDSNEnv, err)
	}
	db, err := gorm.Open(postgres.Open(own), cfg)
	if err != nil {
		t.Fatalf("open PostgreSQL schema %s: %v", name, err)
	}
	limitConnections(t, db)
	closeOnCleanup(t, db)
	return db
}

// withSearchPath points a pgx DSN, URL or key=value form, at schema.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("not a postgres URL: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

// maxServerConns caps each handle's pool so that many parallel tests (and packages) cannot
// exhaust the server's connection limit; concurrent callers beyond it wait for a connection.
const maxServerConns = 16

func limitConnections(t testing.TB, db *gorm.DB) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	sqlDB.SetMaxOpenConns(maxServerConns)
}

func closeOnCleanup(t testing.TB, db *gorm.DB) {
	t.Cleanup(func() { closeDB(t, db) })
}

func closeDB(t testing.TB, db *gorm.DB) {
	sqlDB, err := db.DB()
	if err != nil {
		t.Errorf("testdb: %v", err)
		return
	}
	if err := sqlDB.Close(); err != nil {
		t.Errorf("testdb: close: %v", err)
	}
}

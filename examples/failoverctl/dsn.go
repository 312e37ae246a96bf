package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// openDB opens a database named by dsn: "mysql://user:pass@tcp(host:3306)/db" (the
// go-sql-driver form after the scheme), "postgres://..." or "postgresql://..." (or a
// key=value string holding "host="), else an SQLite file path. With mustExist an SQLite file
// that does not exist is an error rather than a new empty database. A database that cannot
// be opened is a credentials error: openDB opens credential databases; the job store is
// opened with connectDB, whose failures openStore reports as the store's.
//
// No error returned holds the DSN's password.
func openDB(ctx context.Context, dsn string, mustExist bool, logger *slog.Logger) (*gorm.DB, func(), error) {
	if path := strings.TrimPrefix(dsn, "file:"); mustExist && isSQLite(dsn) {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, &credentials.Error{
				Code: fkerrors.Unavailable, Source: "database",
				Problem: "no SQLite database at " + path,
				Fix:     "pass --db the path of an existing database file, or a mysql:// or postgres:// DSN",
				Err:     errors.Unwrap(err),
			}
		}
	}
	db, closeDB, err := connectDB(ctx, dsn, logger)
	if err != nil {
		return nil, nil, &credentials.Error{
			Code: fkerrors.Unavailable, Source: "database",
			Problem: "cannot open the database", Fix: "check the DSN, that the server is up and that the user may connect",
			Err: err,
		}
	}
	return db, closeDB, nil
}

// connectDB opens and pings the database named by dsn (see openDB). Its error is the
// driver's, without the DSN's password.
func connectDB(ctx context.Context, dsn string, logger *slog.Logger) (*gorm.DB, func(), error) {
	gormCfg := &gorm.Config{Logger: gormlogger.Discard}
	var db *gorm.DB
	var err error
	switch {
	case strings.HasPrefix(dsn, "mysql://"):
		raw := strings.TrimPrefix(dsn, "mysql://")
		if cfg, err := mysqldriver.ParseDSN(raw); err == nil && !cfg.ParseTime {
			cfg.ParseTime = true
			raw = cfg.FormatDSN()
		}
		db, err = gorm.Open(mysql.Open(raw), gormCfg)
	case !isSQLite(dsn):
		db, err = gorm.Open(postgres.Open(dsn), gormCfg)
	default:
		// Several failoverctl processes may open a new file at once.
		db, err = database.OpenSQLite(ctx, strings.TrimPrefix(dsn, "file:"), gormCfg)
	}
	if err == nil {
		var sqlDB interface{ PingContext(context.Context) error }
		if sqlDB, err = db.DB(); err == nil {
			err = sqlDB.PingContext(ctx)
		}
	}
	if err != nil {
		return nil, nil, errors.New(redact(err.Error(), dsnSecret(dsn)))
	}
	closeDB := func() {
		if sqlDB, err := db.DB(); err == nil {
			if err := sqlDB.Close(); err != nil {
				logger.Debug("failoverctl: closing database", "error", err)
			}
		}
	}
	return db, closeDB, nil
}

// dsnSecret is the password a DSN holds, if any.
func dsnSecret(dsn string) string {
	switch {
	case strings.HasPrefix(dsn, "mysql://"):
		if cfg, err := mysqldriver.ParseDSN(strings.TrimPrefix(dsn, "mysql://")); err == nil {
			return cfg.Passwd
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			p, _ := u.User.Password()
			return p
		}
	case strings.Contains(dsn, "host="):
		for _, kv := range strings.Fields(dsn) {
			if v, ok := strings.CutPrefix(kv, "password="); ok {
				return v
			}
		}
	}
	return ""
}

// displayDSN is dsn without its password, for messages.
func displayDSN(dsn string) string { return redact(dsn, dsnSecret(dsn)) }

// redact removes a secret from a message a driver wrote.
func redact(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "xxxxx")
}

// isSQLite says whether dsn names an SQLite file (see openDB).
func isSQLite(dsn string) bool {
	return !strings.HasPrefix(dsn, "mysql://") && !strings.HasPrefix(dsn, "postgres://") &&
		!strings.HasPrefix(dsn, "postgresql://") && !strings.Contains(dsn, "host=")
}

func init() {
	// The MySQL driver also logs some failures itself, raw, on stderr ("[mysql] ... unexpected
	// EOF") before returning them; failoverctl reports each error once, from what it returned.
	_ = mysqldriver.SetLogger(&mysqldriver.NopLogger{})
}

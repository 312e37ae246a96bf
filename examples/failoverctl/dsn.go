package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/glebarez/sqlite"
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
// that does not exist is an error rather than a new empty database.
//
// No error returned holds the DSN's password.
func openDB(ctx context.Context, dsn string, mustExist bool, logger *slog.Logger) (*gorm.DB, func(), error) {
	var (
		dialector gorm.Dialector
		secret    string
	)
	switch {
	case strings.HasPrefix(dsn, "mysql://"):
		raw := strings.TrimPrefix(dsn, "mysql://")
		if cfg, err := mysqldriver.ParseDSN(raw); err == nil {
			secret = cfg.Passwd
			if !cfg.ParseTime {
				cfg.ParseTime = true
				raw = cfg.FormatDSN()
			}
		}
		dialector = mysql.Open(raw)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			secret, _ = u.User.Password()
		}
		dialector = postgres.Open(dsn)
	case strings.Contains(dsn, "host="):
		for _, kv := range strings.Fields(dsn) {
			if v, ok := strings.CutPrefix(kv, "password="); ok {
				secret = v
			}
		}
		dialector = postgres.Open(dsn)
	default:
		path := strings.TrimPrefix(dsn, "file:")
		if mustExist {
			if _, err := os.Stat(path); err != nil {
				return nil, nil, &credentials.Error{
					Code: fkerrors.Unavailable, Source: "database",
					Problem: "no SQLite database at " + path,
					Fix:     "pass --db the path of an existing database file, or a mysql:// or postgres:// DSN",
					Err:     errors.Unwrap(err),
				}
			}
		}
		dialector = sqlite.Open(database.SQLiteDSN(path))
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: gormlogger.Discard})
	if err == nil {
		var sqlDB interface{ PingContext(context.Context) error }
		if sqlDB, err = db.DB(); err == nil {
			err = sqlDB.PingContext(ctx)
		}
	}
	if err != nil {
		return nil, nil, &credentials.Error{
			Code: fkerrors.Unavailable, Source: "database",
			Problem: "cannot open the database", Fix: "check the DSN, that the server is up and that the user may connect",
			Err: errors.New(redact(err.Error(), secret)),
		}
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

package main

import (
	"context"
	"log/slog"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
)

// newEngine is all the wiring an API server needs (README.md shows it): a credential source
// over the appliance's own tables, a job store in the same database, and the Engine over
// both. Nothing here reads a credential; every operation does, when it starts.
func newEngine(ctx context.Context, db *gorm.DB, key []byte, logger *slog.Logger, opts ...failover.Option) (*failover.Engine, error) {
	src, err := database.New(db, database.WithKey(key), database.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	store, err := failover.NewGormStore(ctx, db) // failoverkit_jobs, failoverkit_leases
	if err != nil {
		return nil, err
	}
	return failover.New(src, append([]failover.Option{
		failover.WithStore(store),
		failover.WithLogger(logger),
	}, opts...)...)
}

package graph

import "github.com/jackc/pgx/v5/pgxpool"

// Resolver holds what every resolver needs: the database pool.
type Resolver struct {
	Pool *pgxpool.Pool
}

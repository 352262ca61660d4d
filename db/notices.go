package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// CatalogueChannel is where PostgreSQL announces, at commit, every write to what the catalogue
// shows (migration 005): organisations, venues, workshops, programmes, slots, allocations and
// registrations.
const CatalogueChannel = "ateliers_catalogue"

// ListenCatalogue listens on conn, which it keeps to itself, and calls changed for each notice
// of a catalogue change, until ctx ends or the connection fails; it calls listening once it
// listens, from which time no commit goes unannounced.
func ListenCatalogue(ctx context.Context, conn *pgx.Conn, listening, changed func()) error {
	if _, err := conn.Exec(ctx, "LISTEN "+CatalogueChannel); err != nil {
		return err
	}
	listening()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}

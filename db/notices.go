package db

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CatalogueChannel is where PostgreSQL announces, at commit, every write to what the catalogue
// shows (migrations 005 and 006): organisations, venues, workshops, programmes, slots and
// allocations. A notice's payload is a slot's id when only that slot's seats changed, and empty
// when anything may have.
const CatalogueChannel = "ateliers_catalogue"

// heartbeatChannel carries the listener's notices to itself (ListenCatalogue).
const heartbeatChannel = "ateliers_catalogue_heartbeat"

// ErrDeaf is returned when a listener stops hearing even its own heartbeat.
var ErrDeaf = errors.New("catalogue listener: no notice, not even its own heartbeat, for too long")

// ListenCatalogue listens on conn, which it keeps to itself, and calls changed for each notice
// of a catalogue change, with the slot whose seats changed or 0 when anything may have, until
// ctx ends or it cannot be sure to hear them any more; it calls listening once it listens, from
// which time no commit goes unannounced.
//
// A connection can die without a word (a failover, a NAT that forgets it) or never receive
// notices at all (a pooler in transaction mode): after every quiet beat the listener sends a
// heartbeat notice to itself, by the way every notice travels, and gives up when nothing at all
// has come for three beats, so that the cache it feeds stops serving.
func ListenCatalogue(ctx context.Context, conn *pgx.Conn, beat time.Duration, listening func(), changed func(slotID int64)) error {
	if _, err := conn.Exec(ctx, "LISTEN "+CatalogueChannel+"; LISTEN "+heartbeatChannel); err != nil {
		return err
	}
	listening()
	heard := time.Now()
	for {
		if time.Since(heard) > 3*beat {
			return ErrDeaf
		}
		wait, cancel := context.WithTimeout(ctx, beat)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			heard = time.Now()
			if n.Channel == CatalogueChannel {
				slot, err := strconv.ParseInt(n.Payload, 10, 64)
				if err != nil {
					slot = 0 // '' or anything unknown: anything may have changed
				}
				changed(slot)
			}
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !pgconn.Timeout(err):
			return err
		}
		ping, cancel := context.WithTimeout(ctx, beat)
		_, err = conn.Exec(ping, "SELECT pg_notify('"+heartbeatChannel+"', '')")
		cancel()
		if err != nil {
			return err
		}
	}
}

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/pagecache"
)

// listenerBeat is how often a quiet listener checks that it still hears (db.ListenCatalogue).
const listenerBeat = 2 * time.Second

// startPageCache returns the cache of anonymous catalogue pages, kept exact by a listener of
// the database's change notices until ctx ends (done is closed once the listener has let go of
// its connection), or nil when PAGE_CACHE is off or a replica serves the reads: a replica may
// lag behind a notice, and a page read there just after one could predate the change.
func startPageCache(ctx context.Context, c config) (pages *pagecache.Cache, done <-chan struct{}) {
	if !c.PageCache || c.DatabaseReadURL != "" {
		return nil, nil
	}
	pages = pagecache.New()
	d := make(chan struct{})
	go func() {
		defer close(d)
		listenForChanges(ctx, c, pages)
	}()
	return pages, d
}

// listenForChanges listens for change notices until ctx ends. When the listener stops, the
// cache serves nothing until a new one listens: a change could go unheard meanwhile. It tries
// again after 1 s, then up to every 30 s, and logs when it stops and when it listens again,
// not at every try.
func listenForChanges(ctx context.Context, c config, pages *pagecache.Cache) {
	wait, failing := time.Second, false
	for {
		err := listenOnce(ctx, c, func() {
			pages.Listening(true)
			if failing {
				slog.Info("change listener listens again: page cache on")
			}
			wait, failing = time.Second, false
		}, func(slot int64) {
			if slot == 0 {
				pages.Changed()
			} else {
				pages.SeatsChanged(slot)
			}
		})
		pages.Listening(false)
		if ctx.Err() != nil {
			return
		}
		if !failing {
			slog.Warn("change listener stopped: page cache off until it listens again", "err", err)
			failing = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func listenOnce(ctx context.Context, c config, listening func(), changed func(slot int64)) error {
	cc, err := pgx.ParseConfig(c.DatabaseURL)
	if err != nil {
		return err
	}
	setConnectTimeout(&cc.Config, c)
	cc.RuntimeParams["application_name"] = "ateliers-api-listener"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return db.ListenCatalogue(ctx, conn, listenerBeat, listening, changed)
}

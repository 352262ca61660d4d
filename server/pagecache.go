package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
)

// startPageCache returns the cache of anonymous catalogue pages, kept exact by a listener of
// the database's change notices until ctx ends (done is closed once the listener has let go of
// its connection), or nil when PAGE_CACHE is off or a replica serves the reads: a replica may
// lag behind a notice, and a page read there just after one could predate the change.
func startPageCache(ctx context.Context, c config) (pages *graph.PageCache, done <-chan struct{}) {
	if !c.PageCache || c.DatabaseReadURL != "" {
		return nil, nil
	}
	pages = graph.NewPageCache()
	d := make(chan struct{})
	go func() {
		defer close(d)
		listenForChanges(ctx, c, pages)
	}()
	return pages, d
}

// listenForChanges listens for change notices until ctx ends. When the connection fails, the
// cache serves nothing until a new one listens: a change could go unheard meanwhile.
func listenForChanges(ctx context.Context, c config, pages *graph.PageCache) {
	for {
		err := listenOnce(ctx, c, pages)
		pages.Listening(false)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("change listener stopped: page cache off until it listens again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, c config, pages *graph.PageCache) error {
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
	return db.ListenCatalogue(ctx, conn, func() { pages.Listening(true) }, pages.Changed)
}

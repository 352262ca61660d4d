package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/live"
	"github.com/regiestains/ateliers/pagecache"
)

// listenerBeat is how often a quiet listener checks that it still hears (db.ListenCatalogue).
const listenerBeat = 2 * time.Second

// changeSink is told of the database's change notices: the page cache and live seat counts.
type changeSink interface {
	// Listening says whether the listener listens: while it does not, changes go unheard.
	Listening(on bool)
	// Changed names the slot whose seats changed, or 0 when anything may have changed.
	Changed(slot int64)
}

// pageSink tells the page cache.
type pageSink struct{ *pagecache.Cache }

func (p pageSink) Changed(slot int64) {
	if slot == 0 {
		p.Cache.Changed()
	} else {
		p.SeatsChanged(slot)
	}
}

// startChanges starts this instance's one listener of the database's change notices, on the
// primary, until ctx ends (done is closed once the listener has let go of its connection and
// the hub has ended its subscriptions). It feeds live seat counts (hub), always, and the
// cache of anonymous catalogue pages (pages), or pages is nil when PAGE_CACHE is off or a
// replica serves the reads: a replica may lag behind a notice, and a page read there just after
// one could predate the change. The hub reads the primary, so it needs no such care.
func startChanges(ctx context.Context, c config, q db.Querier) (pages *pagecache.Cache, hub *live.Hub, done <-chan struct{}) {
	hub = live.New(q, c.Live.Buffer, c.Live.KeyCheck)
	sinks := []changeSink{hub}
	if c.PageCache && c.DatabaseReadURL == "" {
		pages = pagecache.New()
		sinks = append(sinks, pageSink{pages})
	}
	d := make(chan struct{})
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		hub.Run(ctx)
	}()
	go func() {
		defer close(d)
		listenForChanges(ctx, c, sinks)
		<-hubDone
	}()
	return pages, hub, d
}

// listenForChanges listens for change notices until ctx ends. When the listener stops, the
// cache serves nothing until a new one listens: a change could go unheard meanwhile. It tries
// again after 1 s, then up to every 30 s, and logs when it stops and when it listens again,
// not at every try.
func listenForChanges(ctx context.Context, c config, sinks []changeSink) {
	wait, failing := time.Second, false
	for {
		err := listenOnce(ctx, c, func() {
			for _, s := range sinks {
				s.Listening(true)
			}
			if failing {
				slog.Info("change listener listens again: page cache and live seat counts on")
			}
			wait, failing = time.Second, false
		}, func(slot int64) {
			for _, s := range sinks {
				s.Changed(slot)
			}
		})
		for _, s := range sinks {
			s.Listening(false)
		}
		if ctx.Err() != nil {
			return
		}
		if !failing {
			slog.Warn("change listener stopped: page cache off and live seat counts paused until it listens again", "err", err)
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

package limits

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/regiestains/ateliers/db"
)

// Local holds budgets in this process's memory: the stand-in for the shared budgets (kept in
// the database, db.TakeTokens) while those cannot be read. A fault then degrades the limits
// rather than lifting them: each instance applies the same burst and rate on its own, so behind
// N instances a caller may get up to N times its budget, never unlimited traffic.
type Local struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// localMax is how many callers' buckets Local keeps; past it, the full ones are forgotten (a
// full bucket is the same as a new one).
const localMax = 10000

// NewLocal returns an empty set of budgets.
func NewLocal() *Local { return &Local{buckets: map[string]*rate.Limiter{}} }

// Take takes cost points from the bucket named key if it holds that many, as db.TakeTokens
// does: a refused draw takes nothing.
func (l *Local) Take(key string, b db.Bucket, cost float64, now time.Time) db.Draw {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.buckets[key]
	if lim == nil {
		if len(l.buckets) >= localMax {
			l.forgetFull(now)
		}
		lim = rate.NewLimiter(rate.Limit(b.PerSecond), int(math.Ceil(b.Burst)))
		l.buckets[key] = lim
	}
	granted := lim.AllowN(now, int(math.Ceil(cost)))
	return db.Draw{Granted: granted, Available: max(lim.TokensAt(now), 0)}
}

// forgetFull drops the buckets that have refilled; all of them if none has (a flood of new
// callers), which costs at most one burst each.
func (l *Local) forgetFull(now time.Time) {
	for k, lim := range l.buckets {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= localMax {
		clear(l.buckets)
	}
}

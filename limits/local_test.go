package limits

import (
	"strconv"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// The budgets in memory follow the shared ones' rules: a burst, a refill rate, a refused draw
// takes nothing, and each caller has its own.
func TestLocalBudgetsFollowTheSharedRules(t *testing.T) {
	l := NewLocal()
	b := db.Bucket{Burst: 4000, PerSecond: 100}
	now := time.Now()
	granted := 0
	for range 30 {
		if l.Take("cost|1.2.3.4", b, 1111, now).Granted {
			granted++
		}
	}
	if granted != 3 {
		t.Errorf("30 draws of 1,111 from a burst of 4,000: %d granted, want 3", granted)
	}
	if d := l.Take("cost|1.2.3.4", b, 1111, now.Add(7*time.Second)); !d.Granted || d.Available > 1000 {
		t.Errorf("after 7 s at 100 a second: %+v, want granted with 667 -ish left", d)
	}
	if d := l.Take("cost|5.6.7.8", b, 1111, now); !d.Granted {
		t.Errorf("another caller: %+v, want its own full bucket", d)
	}
	if d := l.Take("cost|1.2.3.4", b, 5000, now.Add(time.Hour)); d.Granted {
		t.Errorf("a draw over the burst: %+v, want refused", d)
	}
}

// The set stays bounded however many callers come.
func TestLocalBudgetsStayBounded(t *testing.T) {
	l := NewLocal()
	now := time.Now()
	for i := range 3 * localMax {
		l.Take(strconv.Itoa(i), db.Bucket{Burst: 10, PerSecond: 1}, 5, now)
	}
	if n := len(l.buckets); n > localMax {
		t.Errorf("%d buckets kept, want at most %d", n, localMax)
	}
}

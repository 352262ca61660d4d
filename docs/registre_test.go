// Package docs holds the project's documents that the code must agree with.
package docs

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// The register of processing states the retention periods of the code's defaults: a change of
// one without the other fails here, so the register cannot drift from what the job does.
func TestTheRegisterStatesTheCodesRetention(t *testing.T) {
	text, err := os.ReadFile("registre-des-traitements.md")
	if err != nil {
		t.Fatal(err)
	}
	days := func(d time.Duration) int { return int(d / (24 * time.Hour)) }
	want := map[string]int{
		"contact":   days(db.DefaultRetention.Contact),
		"follow-up": days(db.DefaultRetention.FollowUp),
		"equipment": days(db.DefaultRetention.Equipment),
		"audit":     days(db.DefaultRetention.Audit),
	}
	rows := regexp.MustCompile(`(?m)^\| (contact|follow-up|equipment|audit): [^|]+\| (\d+) jours \|`).FindAllStringSubmatch(string(text), -1)
	seen := map[string]bool{}
	for _, r := range rows {
		n, _ := strconv.Atoi(r[2])
		if n != want[r[1]] {
			t.Errorf("the register keeps %s data %d days; the code, %d", r[1], n, want[r[1]])
		}
		seen[r[1]] = true
	}
	for kind := range want {
		if !seen[kind] {
			t.Errorf("the register has no %s retention row", kind)
		}
	}
	if m := regexp.MustCompile(`\| texte d'un message \| (\d+) jours \|`).FindStringSubmatch(string(text)); m == nil || m[1] != strconv.Itoa(days(db.MessageBodyRetention)) {
		t.Errorf("the register's message text retention %v, want %d days", m, days(db.MessageBodyRetention))
	}
}

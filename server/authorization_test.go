package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Who may do what (README, "Who sees what"): "Authorization is checked on every path to an object: direct
// fields, node, nodes, nested connections. A test enumerates callers × operations against an
// expected table." This is that test for the catalogue and the administration; the personal
// data of registrations has its own matrix in privacy_test.go.
//
// The expected table is testdata/authorization.txt, written for a human reviewer: one row per
// operation and object, one column per caller. TestAuthorization builds one small world, runs
// every row as every caller over real HTTP, derives a short outcome word from each answer and
// compares the observed table with the file. On a mismatch it prints the observed table; run
// with -update (after the package: go test flags end at the first unknown one) or with
// UPDATE_AUTHORIZATION=1 to write it into the file, then review the diff:
//
//	UPDATE_AUTHORIZATION=1 make test PKGS=./server/ TESTFLAGS='-run TestAuthorization'
//	go test ./server/ -run TestAuthorization -update   (with DATABASE_URL or a running cluster)

var updateAuthorization = flag.Bool("update", false, "TestAuthorization: write the observed outcomes to "+authzFile)

// authzUpdate reports whether to write the table: -update, or UPDATE_AUTHORIZATION=1.
func authzUpdate() bool { return *updateAuthorization || os.Getenv("UPDATE_AUTHORIZATION") == "1" }

const authzFile = "testdata/authorization.txt"

// authzCallers are the columns of the table, in order.
var authzCallers = []string{"anonymous", "host", "host-read", "other-host", "partner", "admin", "revoked"}

// authzPreamble heads the table file; -update writes it again from here.
const authzPreamble = `# Who may do what: the outcome of every operation (rows) for every caller (columns), checked
# by TestAuthorization (server/authorization_test.go) over real HTTP. Authorization is
# checked on every path to an object (direct fields, node, nodes, nested connections). The
# personal data of registrations has its own matrix in server/privacy_test.go.
#
# This file is the expected table. When behaviour changes on purpose, run
#     UPDATE_AUTHORIZATION=1 make test PKGS=./server/ TESTFLAGS='-run TestAuthorization'
# and review the diff. Comment lines (# ...) right above a row are kept by -update;
# "# BUG?:" marks an observed outcome that looks wrong against the README's rules.
#
# Callers:
#   anonymous   no API key (the public website)
#   host        a key of the host organisation (Régie de Quartier de Stains) with every scope
#   host-read   a key of the same organisation with REGISTRATIONS_READ and REPORTS_READ only
#   other-host  a key of another host organisation (Emmaüs Connect) with every scope
#   partner     a France Travail key with REGISTRATIONS_WRITE only; it referred the registrations
#   admin       a network administrator key
#   revoked     a key of the host organisation with every scope, revoked
#
# Objects, all of the host organisation:
#   org:host            the organisation
#   venue:open          a venue; venue:archived an archived one
#   room:open           a room of venue:open
#   workshop:published  a published workshop; workshop:draft, workshop:archived likewise
#   programme:published published, holding workshop:published then workshop:draft
#   programme:draft     a draft programme of workshop:published
#   programme:course    published, workshop:published only (for enrol)
#   slot:public         a public slot of workshop:published at venue:open, in 2031;
#                       slot:partners, slot:internal likewise with that visibility
#   slot:draft-workshop a public slot of workshop:draft
#   slot:full           a public slot of one seat, taken
#   allocation:partner  seats of slot:public reserved for the partner;
#                       allocation:internal the same on slot:internal, reserved while it
#                       was for partners (reserveSeats refuses internal slots for others)
#   key:host            an API key of the host organisation
#   feed:host           a calendar feed of the host organisation (its referrals)
#   registration:waitlisted  referred by the partner, on the waiting list of slot:full
#   registration:started     referred by the partner, confirmed, on a slot that has started,
#                            marked PRESENT
#   orientation:partner      the partner re-orients registration:waitlisted to Emmaüs Connect
#                            (other-host): only they two see it
#   <kind>:fresh        an object made for the cell alone (destructive mutations); a
#                       message:fresh is the confirmation sent for a registration:fresh
#   -                   none (creations, viewer)
#
# Queries reach the object through the operation: node(id), nodes([id]), a Query list (every
# status of workshops and programmes, archived venues included), or a field of its parent
# fetched with node(id): Organisation.* of org:host, Venue.slots and Venue.rooms of venue:open, Workshop.slots
# of the slot's workshop, Programme.workshops of programme:published, Slot.allocations of
# slot:public, Slot.registrations of slot:full, Allocation.slot of allocation:internal.
# Mutations act on the object (or, for creations, with it: createProgramme and scheduleSlot
# name the workshop they use; scheduleSlot uses venue:open; reserveSeats reserves for the partner).
#
# Cells:
#   ok          the object is in the answer; the mutation answered its object
#   null        node / nodes, or the parent reached with node(id), is null
#   absent      the list answered, without the object
#   UPPER_CASE  a GraphQL error, HTTP 200: the code (extensions.code) of the first error
#   lower_case  the mutation's first userError code, e.g. not_found
#   401         the HTTP status, when not 200
`

// authzTable is the table file as read: callers, cells by row, and the comment lines above
// each row.
type authzTable struct {
	callers []string
	cells   map[[2]string]map[string]string
	notes   map[[2]string][]string
}

func readAuthzTable(path string) (authzTable, error) {
	tab := authzTable{cells: map[[2]string]map[string]string{}, notes: map[[2]string][]string{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return tab, err
	}
	var notes []string
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "##"):
			notes = nil
			continue
		case strings.HasPrefix(trimmed, "#"):
			notes = append(notes, trimmed)
			continue
		}
		f := strings.Fields(trimmed)
		if tab.callers == nil {
			if len(f) < 3 || f[0] != "operation" || f[1] != "object" {
				return tab, fmt.Errorf("%s:%d: want the header `operation object <callers...>`, got %q", path, i+1, line)
			}
			tab.callers = f[2:]
			notes = nil
			continue
		}
		if len(f) != 2+len(tab.callers) {
			return tab, fmt.Errorf("%s:%d: %d cells, want %d (one per caller)", path, i+1, len(f)-2, len(tab.callers))
		}
		k := [2]string{f[0], f[1]}
		if _, dup := tab.cells[k]; dup {
			return tab, fmt.Errorf("%s:%d: row %s %s appears twice", path, i+1, f[0], f[1])
		}
		tab.cells[k] = map[string]string{}
		for j, c := range tab.callers {
			tab.cells[k][c] = f[2+j]
		}
		if len(notes) > 0 {
			tab.notes[k] = notes
		}
		notes = nil
	}
	if tab.callers == nil {
		return tab, fmt.Errorf("%s: no header line", path)
	}
	return tab, nil
}

// formatAuthzTable writes the observed table in the file's format, keeping the notes.
func formatAuthzTable(rows []authzRow, observed map[[2]string][]string, notes map[[2]string][]string) string {
	widths := make([]int, 2+len(authzCallers))
	widths[0], widths[1] = len("operation"), len("object")
	for i, c := range authzCallers {
		widths[2+i] = len(c)
	}
	for _, r := range rows {
		widths[0], widths[1] = max(widths[0], len(r.op)), max(widths[1], len(r.object))
		for i, c := range observed[r.key()] {
			widths[2+i] = max(widths[2+i], len(c))
		}
	}
	var b strings.Builder
	line := func(cells ...string) {
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(authzPreamble + "\n")
	line(append([]string{"operation", "object"}, authzCallers...)...)
	section := ""
	for _, r := range rows {
		if r.section != section {
			section = r.section
			fmt.Fprintf(&b, "\n## %s\n", section)
		}
		for _, n := range notes[r.key()] {
			b.WriteString(n + "\n")
		}
		line(append([]string{r.op, r.object}, observed[r.key()]...)...)
	}
	return b.String()
}

// TestAuthorization runs every row of the table as every caller and compares the outcomes with
// testdata/authorization.txt.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	start := time.Now()
	a := newTestAPIWith(t, map[string]string{"WEBHOOK_ALLOW_LOOPBACK": "on"}) // the world's endpoints (authzWebhookURL)
	w := newAuthzWorld(t, a)
	rows := authzRows()
	seen := map[[2]string]bool{}
	for _, r := range rows {
		if seen[r.key()] {
			t.Fatalf("row %s %s is defined twice", r.op, r.object)
		}
		seen[r.key()] = true
	}
	built := time.Since(start)

	var mu sync.Mutex
	observed := map[[2]string][]string{}
	t.Run("rows", func(t *testing.T) {
		for _, r := range rows {
			t.Run(r.op+"_"+r.object, func(t *testing.T) {
				t.Parallel()
				cells := make([]string, len(authzCallers))
				for i, c := range authzCallers {
					res := authzPost(t, a, w.keys[c], r.doc, r.vars(t, w, c))
					cells[i] = w.outcome(r, res)
				}
				mu.Lock()
				observed[r.key()] = cells
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return // a row could not be arranged: its failure says why
	}

	want, err := readAuthzTable(authzFile)
	if err != nil && !(authzUpdate() && errors.Is(err, fs.ErrNotExist)) {
		t.Fatalf("%v (run with -update to write the observed table)", err)
	}
	text := formatAuthzTable(rows, observed, want.notes)
	t.Logf("%d callers × %d rows = %d cells; world built in %s, all done in %s",
		len(authzCallers), len(rows), len(authzCallers)*len(rows), built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if authzUpdate() {
		if err := os.WriteFile(authzFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: review the diff", authzFile)
		return
	}

	var diffs []string
	if !slices.Equal(want.callers, authzCallers) {
		diffs = append(diffs, fmt.Sprintf("callers in the file: %v, in the test: %v", want.callers, authzCallers))
	}
	for _, r := range rows {
		cells, ok := want.cells[r.key()]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s: not in the file", r.op, r.object))
			continue
		}
		for i, c := range authzCallers {
			if got := observed[r.key()][i]; cells[c] != got {
				diffs = append(diffs, fmt.Sprintf("%s %s as %s: want %s, got %s", r.op, r.object, c, cells[c], got))
			}
		}
	}
	for k := range want.cells {
		if !seen[k] {
			diffs = append(diffs, fmt.Sprintf("%s %s: in the file, but the test has no such row", k[0], k[1]))
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		t.Errorf("%d differences with %s:\n%s\n\nobserved table (UPDATE_AUTHORIZATION=1 or -update writes it; review the diff):\n%s",
			len(diffs), authzFile, strings.Join(diffs, "\n"), text)
	}
}

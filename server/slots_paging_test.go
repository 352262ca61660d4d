package main

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSlotsArePagedByStartTimeThenID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	w, v := a.workshop(key, nil), a.venue(key, nil)
	type made struct {
		day, hour, n int
		id           string
	}
	var all []made
	names := slotNames{}
	for n := range 25 {
		// Ten distinct start times, created out of order: 5 of them shared by three slots,
		// 5 by two, so that ids break ties.
		day, hour := 1+(n*7)%10, 9+(n%2)*5
		id := a.slot(key, w, v, fmt.Sprintf("2032-04-%02dT%02d:00", day, hour), map[string]any{"allowOverlap": true})
		all = append(all, made{day, hour, n, id})
		names[id] = fmt.Sprintf("#%d (04-%02d %02dh)", n, day, hour)
	}
	slices.SortFunc(all, func(x, y made) int {
		return cmp.Or(cmp.Compare(x.day, y.day), cmp.Compare(x.hour, y.hour), cmp.Compare(x.n, y.n))
	})
	want := make([]string, len(all))
	for i, m := range all {
		want[i] = m.id
	}

	if got := slotIDsSeenBy(t, a, "", nil); !slices.Equal(got, want) {
		t.Fatalf("one page of 100: got %q, want %q", names.of(got), names.of(want))
	}

	var byDefault struct{ Slots slotEdges }
	a.query("", `{ slots { edges { node { id } } pageInfo { hasNextPage } } }`, nil, &byDefault)
	if got := byDefault.Slots; len(got.Edges) != 20 || !got.PageInfo.HasNextPage {
		t.Errorf("without first: got %d slots, hasNextPage %v; want 20, true", len(got.Edges), got.PageInfo.HasNextPage)
	}

	var paged []string
	var sizes []int
	var after *string
	for page := 1; ; page++ {
		p := slotsPageSeenBy(t, a, "", nil, 7, after)
		paged = append(paged, p.ids()...)
		sizes = append(sizes, len(p.Edges))
		if len(p.Edges) > 0 && (p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor) {
			t.Errorf("page %d: endCursor %v is not the last edge's cursor", page, p.PageInfo.EndCursor)
		}
		if p.PageInfo.HasPreviousPage {
			t.Errorf("page %d: got hasPreviousPage true, want false (forward-only)", page)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		if page == 10 {
			t.Fatalf("still hasNextPage after 10 pages of 7 for 25 slots")
		}
		after = p.PageInfo.EndCursor
	}
	if !slices.Equal(sizes, []int{7, 7, 7, 4}) {
		t.Errorf("page sizes: got %v, want [7 7 7 4]", sizes)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 7 joined: got %q, want %q", names.of(paged), names.of(want))
	}

	t.Run("slots scheduled before the position do not shift the next page", func(t *testing.T) {
		first := slotsPageSeenBy(t, a, "", nil, 7, nil)
		earliest := a.slot(key, w, v, "2032-03-31T09:00", nil)
		tied := a.slot(key, w, v, "2032-04-01T09:00", nil) // same start as the first three, a larger id
		names[earliest], names[tied] = "new earliest", "new tied with the first"
		if got := slotsPageSeenBy(t, a, "", nil, 7, first.PageInfo.EndCursor).ids(); !slices.Equal(got, want[7:14]) {
			t.Errorf("page 2 after inserts: got %q, want %q", names.of(got), names.of(want[7:14]))
		}
		if got := slotIDsSeenBy(t, a, "", nil); len(got) != 27 || got[0] != earliest || got[4] != tied {
			t.Errorf("fresh listing: got %q, want the new slots at positions 0 and 4 of 27", names.of(got))
		}
	})

	var venues struct {
		Venues struct{ PageInfo struct{ EndCursor string } }
	}
	a.query("", `{ venues(first: 1) { pageInfo { endCursor } } }`, nil, &venues)
	good := *slotsPageSeenBy(t, a, "", nil, 1, nil).PageInfo.EndCursor
	tampered := []byte(good)
	if tampered[0] = 'X'; good[0] == 'X' {
		tampered[0] = 'U'
	}
	b64 := base64.RawURLEncoding.EncodeToString
	for name, cursor := range map[string]string{
		"a random string":                  "not-a-cursor",
		"a cursor of venues":               venues.Venues.PageInfo.EndCursor,
		"base64 of garbage":                b64([]byte{0xff, 0x00, 0x7f, '|', 0xfe}),
		"one character modified":           string(tampered),
		"padded base64":                    good + "==",
		"a slot cursor with no time":       b64([]byte("Slot|1|not-a-time")),
		"a slot cursor with a bad id":      b64([]byte("Slot|-4|2032-04-01T07:00:00Z")),
		"a slot cursor in year 0":          b64([]byte("Slot|1|0000-01-01T00:00:00Z")),
		"a cursor longer than any we make": strings.Repeat("A", 2000),
	} {
		t.Run("refused cursor: "+name, func(t *testing.T) {
			q := `query($after: String) { slots(after: $after) { edges { node { id } } } }`
			slotRefused(t, a, "", q, map[string]any{"after": cursor})
		})
	}
	for _, q := range []string{
		`{ slots(first: 0) { edges { cursor } } }`,
		`{ slots(first: 101) { edges { cursor } } }`,
		`{ slots(first: -1) { edges { cursor } } }`,
		`{ venues(first: 1) { edges { node { slots(first: 101) { edges { cursor } } } } } }`,
	} {
		t.Run("refused: "+q, func(t *testing.T) { slotRefused(t, a, "", q, nil) })
	}
}

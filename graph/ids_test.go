package graph

import (
	"testing"

	"github.com/regiestains/ateliers/db"
)

func TestGlobalIDsRoundTrip(t *testing.T) {
	for _, k := range []kind{kindOrganisation, kindVenue, kindWorkshop, kindProgramme, kindSlot, kindAPIKey} {
		gid := globalID(k, 42)
		gotKind, gotID, err := parseGlobalID(gid)
		if err != nil || gotKind != k || gotID != 42 {
			t.Errorf("parseGlobalID(globalID(%s, 42)) = %s, %d, %v; want %s, 42, nil", k, gotKind, gotID, err, k)
		}
	}
}

func TestMalformedGlobalIDsAreRefused(t *testing.T) {
	for _, s := range []string{"", "42", "U2xvdDo", "U2xvdDow" /* Slot:0 */, "U2xvdDotMQ" /* Slot:-1 */, "Rm9vOjE" /* Foo:1 */, "U2xvdDowMQ" /* Slot:01 */, "!!!!"} {
		if k, id, err := parseGlobalID(s); err == nil {
			t.Errorf("parseGlobalID(%q) = %s, %d, nil; want an error", s, k, id)
		}
	}
	if _, err := idOf(kindVenue, globalID(kindSlot, 1)); err == nil {
		t.Error("idOf(Venue, a slot id) succeeded; want an error")
	}
}

func TestCursorsAreTiedToTheirList(t *testing.T) {
	c := encodeCursor(kindSlot, slotCursor(db.Slot{ID: 7}))
	if _, err := decodeCursor(kindSlot, c); err != nil {
		t.Fatalf("decode own cursor: %v", err)
	}
	if _, err := decodeCursor(kindVenue, c); err == nil {
		t.Error("a slot cursor decoded as a venue cursor; want an error")
	}
	for _, bad := range []string{"", "x", c + "x", "U2xvdHwxfG5vdC1hLXRpbWU" /* Slot|1|not-a-time */} {
		if _, err := decodeCursor(kindSlot, bad); err == nil {
			t.Errorf("decodeCursor(%q) succeeded; want an error", bad)
		}
	}
}

func FuzzParseGlobalID(f *testing.F) {
	f.Add(globalID(kindSlot, 1))
	f.Add("U2xvdDow")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, id, err := parseGlobalID(s)
		if err == nil && globalID(k, id) != s {
			t.Errorf("parseGlobalID(%q) accepted a non-canonical id", s)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(kindSlot, slotCursor(db.Slot{ID: 3})))
	f.Add(encodeCursor(kindVenue, db.Cursor{Key: "Espace", ID: 2}))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(kindSlot, s)
		if err == nil && c.ID <= 0 {
			t.Errorf("decodeCursor(%q) gave id %d", s, c.ID)
		}
	})
}

package graph

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regiestains/ateliers/db"
)

// Page size bounds of every connection (README, "Limits and errors").
const (
	defaultFirst = 20
	maxFirst     = 100
)

// pageOf checks first/after and decodes the cursor, which must come from a connection of the
// same kind.
func pageOf(k kind, first *int, after *string) (db.Page, error) {
	p := db.Page{First: defaultFirst}
	if first != nil {
		if *first < 1 || *first > maxFirst {
			return db.Page{}, errBadInput(fmt.Sprintf("first must be between 1 and %d", maxFirst))
		}
		p.First = *first
	}
	if after != nil {
		c, err := decodeCursor(k, *after)
		if err != nil {
			return db.Page{}, errBadInput("after is not a valid cursor for this list: use an endCursor you received")
		}
		p.After = &c
	}
	return p, nil
}

// Cursors are base64url of "Kind|id|key": opaque to clients, tied to one kind of list so that a
// slot cursor cannot page venues, and checked field by field when decoded.
func encodeCursor(k kind, c db.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(k) + "|" + strconv.FormatInt(c.ID, 10) + "|" + c.Key))
}

func decodeCursor(k kind, s string) (db.Cursor, error) {
	if len(s) > 1024 {
		return db.Cursor{}, fmt.Errorf("cursor too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return db.Cursor{}, err
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 || parts[0] != string(k) {
		return db.Cursor{}, fmt.Errorf("cursor of another list")
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 {
		return db.Cursor{}, fmt.Errorf("bad cursor id")
	}
	// Keys are names and titles we wrote; refuse what PostgreSQL could not compare as text.
	if len(parts[2]) > 400 || !utf8.ValidString(parts[2]) || strings.ContainsRune(parts[2], 0) {
		return db.Cursor{}, fmt.Errorf("bad cursor key")
	}
	if k == kindSlot {
		// Years PostgreSQL and Go both read the same way; anything else was not made by us.
		t, err := time.Parse(time.RFC3339Nano, parts[2])
		if err != nil || t.Year() < 1 || t.Year() > 9999 {
			return db.Cursor{}, fmt.Errorf("bad cursor time")
		}
	}
	return db.Cursor{Key: parts[2], ID: id}, nil
}

// connection turns the rows of a db list query into edges and page info. The query fetched one
// row more than asked: its presence says a next page exists, and it is dropped.
func connection[T, E any](k kind, rows []T, p db.Page, key func(T) db.Cursor, edge func(string, T) E) ([]E, PageInfo) {
	info := PageInfo{HasNextPage: len(rows) > p.First}
	if info.HasNextPage {
		rows = rows[:p.First]
	}
	edges := make([]E, len(rows))
	for i, r := range rows {
		cursor := encodeCursor(k, key(r))
		edges[i] = edge(cursor, r)
		if i == 0 {
			info.StartCursor = &cursor
		}
		info.EndCursor = &cursor
	}
	return edges, info
}

func slotCursor(s db.Slot) db.Cursor {
	return db.Cursor{Key: s.StartsAt.UTC().Format(time.RFC3339Nano), ID: s.ID}
}
func workshopCursor(w db.Workshop) db.Cursor   { return db.Cursor{Key: w.Title, ID: w.ID} }
func venueCursor(v db.Venue) db.Cursor         { return db.Cursor{Key: v.Name, ID: v.ID} }
func programmeCursor(p db.Programme) db.Cursor { return db.Cursor{Key: p.Title, ID: p.ID} }
func organisationCursor(o db.Organisation) db.Cursor {
	return db.Cursor{Key: o.Name, ID: o.ID}
}
func apiKeyCursor(k db.APIKey) db.Cursor { return db.Cursor{ID: k.ID} }

package db

// Page asks for the First rows after a keyset position. Queries return up to First+1 rows so
// that the caller knows whether another page follows without counting.
type Page struct {
	First int
	After *Cursor
}

// Cursor is a keyset position: the sort key of the last row seen (a time in RFC 3339 for
// slots, a name or title for the others) and its id, which breaks ties. Rows inserted
// concurrently never shift a keyset page, unlike OFFSET.
type Cursor struct {
	Key string
	ID  int64
}

// limit is the number of rows to fetch: one more than asked, to detect a next page.
func (p Page) limit() int { return p.First + 1 }

// after returns the cursor's key and id, or values that sort before every row.
func (p Page) after() (key *string, id int64) {
	if p.After == nil {
		return nil, 0
	}
	return &p.After.Key, p.After.ID
}

package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

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

// pages runs a list query for a batch of parents in one statement. For each parent id it
// returns the rows the query would return alone with `parent = id` added to w: same
// conditions, same order (the sort key columns of alias t, then its id), same limit. A
// lateral join lets each parent walk its own (parent, sort key) index and stop after its page,
// so a page of 50 venues with their slots costs one statement, not 50.
//
// columns are the list's columns (alias t), from its FROM clause, key its sort column without
// the alias.
func pages[T any](ctx context.Context, q Querier, parents []int64, parent string, w where,
	columns, from, t, key string, p Page, scan func(pgx.CollectableRow) (T, error)) (map[int64][]T, error) {
	w.add(parent + " = p.id")
	ids := w.arg(parents)
	// x.* is the explicit column list of the lateral subquery, not a table's columns.
	sql := fmt.Sprintf(`SELECT p.id, x.* FROM unnest($%d::bigint[]) AS p(id)
		CROSS JOIN LATERAL (SELECT %s %s %s ORDER BY %[5]s.%[6]s, %[5]s.id LIMIT %[7]d) AS x
		ORDER BY p.id, x.%[6]s, x.id`, ids, columns, from, w.sql(), t, key, p.limit())
	rows, _ := q.Query(ctx, sql, forValues(w.args)...)
	defer rows.Close()
	byParent := make(map[int64][]T, len(parents))
	var id int64
	for rows.Next() {
		r, err := scan(parentRow{rows, &id})
		if err != nil {
			return nil, err
		}
		byParent[id] = append(byParent[id], r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return byParent, nil
}

// parentRow reads the parent id in the first column, then lets a list's scan function read
// the rest as if the row were its own.
type parentRow struct {
	pgx.CollectableRow
	parent *int64
}

func (r parentRow) Scan(dest ...any) error {
	return r.CollectableRow.Scan(append([]any{r.parent}, dest...)...)
}

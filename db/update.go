package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// update reads one row locked FOR UPDATE, lets change modify it, and writes it back, all in
// one transaction: two concurrent updates of the same object queue on the row lock instead of
// the second one silently undoing the first. An error from change (such as invalid input)
// abandons the update and is returned as is.
func update[T any](ctx context.Context, q Querier, lockSQL string, id int64, scan pgx.RowToFunc[T],
	change func(*T) error, write func(context.Context, pgx.Tx, T) (T, error)) (T, error) {
	var out T
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, lockSQL, id)
		row, err := pgx.CollectExactlyOneRow(rows, scan)
		if err != nil {
			return notFound(err, fmt.Sprintf("lock %d", id))
		}
		if err := change(&row); err != nil {
			return err
		}
		out, err = write(ctx, tx, row)
		return err
	})
	return out, err
}

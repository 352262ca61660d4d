package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
)

// generate migrates a fresh database with the project's own migrations and writes the plan
// into it with COPY, then vacuums and analyzes it.
func generate(ctx context.Context, conn *pgx.Conn, p *plan, logf func(string, ...any)) error {
	if err := db.Migrate(ctx, conn); err != nil {
		return err
	}
	// The data is thrown away with the database; no need to wait for the WAL on each COPY.
	// The foreign keys' triggers, checking row by row, would take most of the time: they are
	// off while copying, and checkReferences checks every reference at once afterwards.
	if _, err := conn.Exec(ctx, `SET synchronous_commit = off; SET session_replication_role = replica`); err != nil {
		return err
	}
	steps := []struct {
		table string
		n     int
		cols  []string
		rows  func() pgx.CopyFromSource
	}{
		{"organisations", len(p.orgs), organisationColumns, p.organisationRows},
		{"venues", len(p.venues), venueColumns, p.venueRows},
		{"workshops", len(p.shops), workshopColumns, p.workshopRows},
		{"slots", len(p.slots), slotColumns, p.slotRows},
		{"registrations", p.size.Registrations, registrationColumns, p.registrationRows},
	}
	for _, s := range steps {
		t := time.Now()
		indexes, err := dropIndexes(ctx, conn, s.table)
		if err != nil {
			return err
		}
		n, err := conn.CopyFrom(ctx, pgx.Identifier{s.table}, s.cols, s.rows())
		if err != nil {
			return fmt.Errorf("copy %s: %w", s.table, err)
		}
		copied := time.Since(t)
		for _, def := range indexes {
			if _, err := conn.Exec(ctx, def); err != nil {
				return fmt.Errorf("recreate index: %w", err)
			}
		}
		// Ids are identity columns: in a fresh database, COPY numbers the rows 1 to n in the
		// order written, which the other tables' references rely on.
		var maxID int64
		if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+s.table).Scan(&maxID); err != nil {
			return err
		}
		if n != int64(s.n) || maxID != n {
			return fmt.Errorf("copy %s: %d rows, max id %d, want %d: not a fresh database?", s.table, n, maxID, s.n)
		}
		logf("  %-13s %9d rows in %v (COPY %v, then %d indexes)", s.table, n, time.Since(t).Round(time.Millisecond),
			copied.Round(time.Millisecond), len(indexes))
	}
	if err := checkReferences(ctx, conn); err != nil {
		return err
	}
	t := time.Now()
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	logf("  vacuum analyze in %v", time.Since(t).Round(time.Millisecond))
	return nil
}

// checkReferences checks every foreign key of the schema at once, since COPY ran without
// their triggers: each reference must name an existing row.
func checkReferences(ctx context.Context, conn *pgx.Conn) error {
	rows, _ := conn.Query(ctx, `
		SELECT c.conname, format('SELECT count(*) FROM %s t WHERE t.%I IS NOT NULL AND NOT EXISTS (SELECT FROM %s r WHERE r.%I = t.%I)',
			c.conrelid::regclass, a.attname, c.confrelid::regclass, ra.attname, a.attname)
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.connamespace = 'public'::regnamespace
		ORDER BY 1`)
	type fk struct{ Name, Query string }
	fks, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fk])
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	for _, f := range fks {
		var broken int64
		if err := conn.QueryRow(ctx, f.Query).Scan(&broken); err != nil {
			return fmt.Errorf("check %s: %w", f.Name, err)
		}
		if broken > 0 {
			return fmt.Errorf("dataset: %d rows break foreign key %s", broken, f.Name)
		}
	}
	return nil
}

// dropIndexes drops the indexes of a table, but its primary key's and those a foreign key
// relies on, and returns the statements that create them again after COPY: one sort is
// much faster than millions of inserts into a B-tree. Unique constraints are dropped and added
// back under their own names, so the schema after is the migrations' own.
func dropIndexes(ctx context.Context, conn *pgx.Conn, table string) ([]string, error) {
	rows, _ := conn.Query(ctx, `
		SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid) FROM pg_index i
		WHERE i.indrelid = $1::regclass
		  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		UNION ALL
		SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c
		WHERE c.conrelid = $1::regclass AND c.contype = 'u'
		  AND NOT EXISTS (SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
		ORDER BY 1`, table)
	type index struct{ Drop, Create string }
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return nil, fmt.Errorf("indexes of %s: %w", table, err)
	}
	var creates []string
	for _, ix := range indexes {
		if _, err := conn.Exec(ctx, ix.Drop); err != nil {
			return nil, err
		}
		creates = append(creates, ix.Create)
	}
	return creates, nil
}

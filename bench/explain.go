package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// explained is the plan of one captured statement, run with its captured parameters.
// Generic is the plan PostgreSQL makes without the parameters' values: the one a prepared
// statement (pgx caches them) may switch to after five executions.
type explained struct {
	Op, SQL, Plan, Generic string
}

// fromAtTop returns the index of the first " FROM " after i outside parentheses, or -1.
func fromAtTop(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && strings.HasPrefix(strings.ToUpper(s[i:]), " FROM ") {
				return i
			}
		}
	}
	return -1
}

var insertSQL = regexp.MustCompile(`(?is)^\s*(INSERT|WITH\s+\w+\s+AS\s*\(\s*INSERT)`)

// explainCaptured runs EXPLAIN (ANALYZE, BUFFERS) on each distinct statement of one captured
// request, with the parameters the API sent, each in a transaction rolled back (a statement
// that writes or locks leaves nothing). INSERTs are skipped: their unique values exist now.
func explainCaptured(ctx context.Context, url, op string, steps []step, seen map[string]bool) ([]explained, error) {
	conn, err := pgconn.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var out []explained
	for _, s := range steps {
		if s.Simple || seen[s.SQL] || insertSQL.MatchString(s.SQL) {
			continue
		}
		seen[s.SQL] = true
		var plans []string
		for _, generic := range []bool{false, true} {
			plan, err := explainOne(ctx, conn, s, generic)
			if err != nil {
				plan = "error: " + err.Error() + "\n"
			}
			plans = append(plans, plan)
		}
		out = append(out, explained{Op: op, SQL: s.SQL, Plan: plans[0], Generic: plans[1]})
	}
	return out, nil
}

// explainOne explains s with its captured parameters. generic false: the plan for these
// values (the unnamed statement is planned with them). generic true: s prepared under a name,
// then EXPLAIN EXECUTE with plan_cache_mode = force_generic_plan, the plan a prepared
// statement gets when PostgreSQL stops planning for each execution's values.
func explainOne(ctx context.Context, conn *pgconn.PgConn, s step, generic bool) (string, error) {
	if _, err := conn.Exec(ctx, "BEGIN").ReadAll(); err != nil {
		return "", err
	}
	defer func() { conn.Exec(ctx, "ROLLBACK; DEALLOCATE ALL").ReadAll() }()
	const explain = "EXPLAIN (ANALYZE, BUFFERS) "
	desc, err := conn.Prepare(ctx, "bench_explain", s.SQL, s.OIDs)
	if err != nil {
		return "", err
	}
	sql := explain + s.SQL
	if generic {
		if _, err := conn.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan").ReadAll(); err != nil {
			return "", err
		}
		// EXECUTE takes its arguments as SQL: the server spells each value as text first.
		casts := make([]string, len(desc.ParamOIDs))
		for i := range casts {
			casts[i] = fmt.Sprintf("$%d::text", i+1)
		}
		sql = explain + "EXECUTE bench_explain"
		if len(casts) > 0 {
			res := conn.ExecParams(ctx, "SELECT "+strings.Join(casts, ", "), s.Values, desc.ParamOIDs, s.ParamFormats, nil).Read()
			if res.Err != nil {
				return "", res.Err
			}
			args := make([]string, len(casts))
			for i, v := range res.Rows[0] {
				args[i] = "NULL"
				if v != nil {
					args[i] = quoteLiteral(string(v))
				}
			}
			sql += "(" + strings.Join(args, ", ") + ")"
		}
		s.Values, desc.ParamOIDs, s.ParamFormats = nil, nil, nil
	}
	res := conn.ExecParams(ctx, sql, s.Values, desc.ParamOIDs, s.ParamFormats, nil).Read()
	if res.Err != nil {
		return "", res.Err
	}
	var b strings.Builder
	for _, row := range res.Rows {
		fmt.Fprintf(&b, "%s\n", row[0])
	}
	return b.String(), nil
}

// oneLine shortens a statement for a table: whitespace collapsed, a long select list
// elided, at most n characters.
func oneLine(sql string, n int) string {
	s := strings.Join(strings.Fields(sql), " ")
	if i := strings.Index(strings.ToUpper(s), "SELECT "); i >= 0 {
		if j := fromAtTop(s, i+len("SELECT ")); j-i > 50 {
			s = s[:i+len("SELECT ")] + "…" + s[j:]
		}
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

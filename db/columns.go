package db

import "strings"

// column is one column of a row type: the Go field it fills, its SQL with the table's alias,
// and where a scan writes it. A row type's columns method lists them once, in order, so that
// the SELECT list and the scan cannot drift apart, and a read can take some of them (With).
type column struct {
	field string
	sql   string
	dest  any
}

// columnList is the SELECT list of cs.
func columnList(cs []column) string {
	sql := make([]string, len(cs))
	for i, c := range cs {
		sql[i] = c.sql
	}
	return strings.Join(sql, ", ")
}

// dests are the scan destinations of cs.
func dests(cs []column) []any {
	return appendDests(make([]any, 0, len(cs)), cs, nil)
}

// appendDests appends the destinations of the columns of cs at positions at (all when nil).
func appendDests(dest []any, cs []column, at []int) []any {
	if at == nil {
		for _, c := range cs {
			dest = append(dest, c.dest)
		}
		return dest
	}
	for _, i := range at {
		dest = append(dest, cs[i].dest)
	}
	return dest
}

// pick returns the positions in cs of the columns that fill the named fields, and of the id
// (the first column), always; every position when a name is not a field of cs, so that a read
// asked for a field it does not know reads everything rather than leaving it empty.
func pick(cs []column, fields []string) []int {
	known := map[string]bool{}
	for _, c := range cs {
		known[c.field] = true
	}
	want := map[string]bool{cs[0].field: true}
	for _, f := range fields {
		if !known[f] {
			return all(cs)
		}
		want[f] = true
	}
	var at []int
	for i, c := range cs {
		if want[c.field] {
			at = append(at, i)
		}
	}
	return at
}

// all returns every position in cs.
func all(cs []column) []int {
	at := make([]int, len(cs))
	for i := range at {
		at[i] = i
	}
	return at
}

// columnsAt returns the columns of cs at positions at.
func columnsAt(cs []column, at []int) []column {
	out := make([]column, len(at))
	for i, p := range at {
		out[i] = cs[p]
	}
	return out
}

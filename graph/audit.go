package graph

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db"
)

// auditChanges records every mutation that succeeded in the audit log (db.RecordChange): the
// caller's key and organisation, the operation, and the global ids it named in its input and
// returned. Only ids: the values of an input (names, phones, reasons, tokens) are never read
// here. A mutation that answered userErrors changed nothing and is not recorded. The entry is
// written after the mutation's own transaction; a failure to write it is logged.
func (r *Resolver) auditChanges(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	fc := graphql.GetFieldContext(ctx)
	if err != nil || fc == nil || fc.Object != "Mutation" || !succeeded(res) {
		return res, err
	}
	var ids []string
	for _, arg := range fc.Args {
		ids = idsIn(reflect.ValueOf(arg), ids)
	}
	ids = idsOut(reflect.ValueOf(res), ids, 0)
	if rerr := db.RecordChange(context.WithoutCancel(ctx), r.Pool, callerFrom(ctx), fc.Field.Name, ids); rerr != nil {
		slog.ErrorContext(ctx, "audit log", "operation", fc.Field.Name, "err", rerr)
	}
	return res, err
}

// succeeded reports whether a mutation's payload has no userErrors.
func succeeded(res any) bool {
	v := reflect.Indirect(reflect.ValueOf(res))
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return false
	}
	ue := v.FieldByName("UserErrors")
	return !ue.IsValid() || ue.Len() == 0
}

// idsIn collects the global ids of an input: the fields named ID or ending in ID or Ids
// (strings or lists of strings), in nested inputs too. Nothing else is read.
func idsIn(v reflect.Value, ids []string) []string {
	v = reflect.Indirect(v)
	if !v.IsValid() {
		return ids
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f, name := reflect.Indirect(v.Field(i)), t.Field(i).Name
			switch {
			case !f.IsValid():
			case (name == "ID" || strings.HasSuffix(name, "ID")) && f.Kind() == reflect.String:
				ids = append(ids, f.String())
			case strings.HasSuffix(name, "Ids") && f.Kind() == reflect.Slice:
				for j := range f.Len() {
					if s := reflect.Indirect(f.Index(j)); s.Kind() == reflect.String {
						ids = append(ids, s.String())
					}
				}
			case f.Kind() == reflect.Struct:
				ids = idsIn(f, ids)
			}
		}
	}
	return ids
}

// idsOut collects the global ids of the objects a payload returns: its fields that are
// database objects (a struct with an int64 ID) or lists of them.
func idsOut(v reflect.Value, ids []string, depth int) []string {
	v = reflect.Indirect(v)
	if !v.IsValid() || v.Kind() != reflect.Struct || depth > 1 {
		return ids
	}
	if id := v.FieldByName("ID"); depth == 1 && id.IsValid() && id.Kind() == reflect.Int64 {
		name := v.Type().Name()
		if name == "APIKey" {
			name = string(kindAPIKey)
		}
		return append(ids, globalID(kind(name), id.Int()))
	}
	for i := range v.NumField() {
		f := reflect.Indirect(v.Field(i))
		switch {
		case !f.IsValid():
		case f.Kind() == reflect.Struct:
			ids = idsOut(f, ids, depth+1)
		case f.Kind() == reflect.Slice:
			for j := range min(f.Len(), 50) {
				ids = idsOut(f.Index(j), ids, depth+1)
			}
		}
	}
	return ids
}

// readSet collects the registrations whose person an operation returned to an API key.
type readSet struct {
	mu   sync.Mutex
	ids  []int64
	seen map[int64]bool
}

func (s *readSet) add(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen[id] {
		s.seen[id] = true
		s.ids = append(s.ids, id)
	}
}

// recordReads records, once the operation has answered, which registrations' personal data it
// returned to the caller's key, with the operation's label (query slots, query referrals...),
// in the record of reads the organisation's administrators audit (personalDataReads). The
// person's own reads (by their link) are not recorded; personHistory and personalData record
// theirs in their own transaction.
func (r *Resolver) recordReads(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	l, ok := ctx.Value(loadersKey).(*loaders)
	c := callerFrom(ctx)
	if !ok || c.KeyID == 0 || c.OrganisationID == 0 || !graphql.HasOperationContext(ctx) {
		return resp
	}
	l.reads.mu.Lock()
	ids := l.reads.ids
	l.reads.ids = nil
	l.reads.mu.Unlock()
	op := graphql.GetOperationContext(ctx).Operation
	if len(ids) == 0 || op == nil || recordsItsReads(op) {
		return resp
	}
	if err := db.RecordRead(context.WithoutCancel(ctx), r.Pool, c, operationLabel(op), ids); err != nil {
		slog.ErrorContext(ctx, "record of reads", "err", err)
	}
	return resp
}

// recordsItsReads: an operation made only of personHistory and personalData, which record
// their reads themselves.
func recordsItsReads(op *ast.OperationDefinition) bool {
	for _, s := range op.SelectionSet {
		if f, ok := s.(*ast.Field); !ok || (f.Name != "personHistory" && f.Name != "personalData") {
			return false
		}
	}
	return true
}

// Package limits holds the limits of one request that are checked before any resolver runs
// (parser tokens, selections, depth) and the configuration of the cost limits and rate budgets
// per kind of caller, which graph's cost extension applies.
package limits

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/regiestains/ateliers/db"
)

// Limits are the limits checked before any resolver runs. The server reads them from its
// configuration (README, "Limits and errors"); DefaultLimits holds the defaults.
type Limits struct {
	ParserTokens int // tokens a document may hold (GRAPHQL_PARSE_FAILED)
	Depth        int // nesting of an operation (DEPTH_LIMIT_EXCEEDED)
	Selections   int // selections a document may hold (FIELD_LIMIT_EXCEEDED)
	// Anonymous holds the limits of calls without an API key (the public website, counted per
	// client network); Key those of each API key.
	Anonymous, Key CallerLimits
	// RateLimits turns the budgets (the buckets of CallerLimits) on; off, only the per-operation
	// limits apply. Off is for benchmarks of the raw request path.
	RateLimits bool
	// Introspection is on by default: the schema is the public contract, and GraphiQL its
	// documentation. Off, field suggestions ("Did you mean ...?") are off too, since they
	// would spell the schema out one guess at a time.
	Introspection bool
}

// CallerLimits are the limits of one kind of caller.
type CallerLimits struct {
	// QueryCost is the most one operation may cost (complexity.go), COMPLEXITY_LIMIT_EXCEEDED
	// past it.
	QueryCost int
	// Cost is the caller's budget of cost points over time: each operation takes its cost,
	// THROTTLED when the bucket holds less. Its burst is at least QueryCost.
	Cost db.Bucket
	// Registrations is the caller's budget of registrations, counted one by one (each
	// `register`, aliases included, and each slot of an `enrol`), since seats are scarce.
	Registrations db.Bucket
}

// DefaultLimits returns the default limits.
//
// Why these values: a page of 50 slots with their workshop, venue and seats left costs 761, and
// a list of 20 venues with their next 5 slots about 1,500, so an anonymous operation may cost
// 2,000 (a key's, 5,000: a partner's back office asks more at once). An anonymous caller is one
// person's browser (or a household behind one address): 4,000 points, back at 100 a second,
// is 5 pages of 50 slots at once and one every 8 seconds after that; ten registrations, then one a minute, is more than a family books
// for itself, and it bounds what a script can take from the public. An API key is a partner's
// counsellors or an app's back end, many people behind one caller: ten times the points and
// one registration a second.
func DefaultLimits() Limits {
	return Limits{
		ParserTokens: parserTokenLimit,
		Depth:        depthLimit,
		Selections:   fieldLimit,
		Anonymous: CallerLimits{
			QueryCost:     2000,
			Cost:          db.Bucket{Burst: 4000, PerSecond: 100},
			Registrations: db.Bucket{Burst: 10, PerSecond: 1.0 / 60},
		},
		Key: CallerLimits{
			QueryCost:     5000,
			Cost:          db.Bucket{Burst: 20000, PerSecond: 1000},
			Registrations: db.Bucket{Burst: 200, PerSecond: 1},
		},
		RateLimits:    true,
		Introspection: true,
	}
}

// For returns the limits of caller's kind.
func (l Limits) For(c db.Caller) CallerLimits {
	if c.Anonymous() {
		return l.Anonymous
	}
	return l.Key
}

// Defaults of the limits checked before any resolver runs (the README's table lists them); Limits makes
// them configurable.
const (
	// parserTokenLimit caps the tokens gqlparser reads from a query: a huge document is refused
	// while it is being parsed, before validation walks it, with code GRAPHQL_PARSE_FAILED.
	parserTokenLimit = 10000
	// depthLimit caps how deeply an operation nests fields, introspection included (see
	// freeOfTypeLevels for the one exception). Over it: DEPTH_LIMIT_EXCEEDED.
	depthLimit = 10
	// freeOfTypeLevels is how many nested `ofType` fields of __Type a path may hold without
	// counting towards the depth.
	//
	// Why: GraphiQL is our documentation, and the introspection query it sends (graphql-js 16's
	// getIntrospectionQuery) has depth 14, over the limit of 10: __schema > types > fields >
	// args > type, then its TypeRef fragment nests `ofType` 9 times (16.15; 7 in older
	// versions), then `name`: 15 fields. Those `ofType` levels only unwrap a type's list and
	// non-null wrappers ([[Slot!]!]! is the deepest kind of reference there is: 5 levels):
	// they resolve in memory from the schema, are null past the real wrapping, and cannot loop
	// back to a type's fields. Not counting them, the standard query has depth 5, and what makes
	// introspection expensive, nesting back through fields, interfaces, possibleTypes and
	// inputFields (`__schema { types { fields { type { fields { type { ... } } } } } }`), still
	// counts level by level. Only the first 9 `ofType` levels of a chain are free, so that
	// introspection stays under a finite depth too (a path of more than 11 + 9 fields is
	// always refused), and a chain of `ofType` cannot hide depth.
	//
	// gqlparser's MaxIntrospectionDepth validation rule, which gqlgen runs before this limit,
	// already refuses introspection nesting those four list fields three deep; the depth limit
	// covers what it lets through, and SameCodeForIntrospectionDepth gives both refusals the
	// same code.
	freeOfTypeLevels = 9
	// fieldLimit caps the selections a document holds, counted as written (countSelections): every
	// field of every operation and fragment, aliased or repeated, and every fragment spread and
	// inline fragment, and every directive. Over it: FIELD_LIMIT_EXCEEDED, before validation.
	//
	// Why: gqlparser's OverlappingFieldsCanBeMerged validation rule compares the selections of
	// a selection set pair by pair, so its cost grows with the square of their number. Under
	// the token limit a document can hold 3,332 copies of `a: __typename` (graphql-cop's
	// "field duplication", alias overloading): ~0.9-1.1 s of CPU to validate, 6-9 s under
	// -race, for one cheap request. Spreads count too: a document of 4,990 spreads of a
	// one-field fragment took 0.2 s (1.5 s under -race).
	//
	// Measured validating the worst documents of 500 selections (500 copies of `a: __typename`,
	// two `viewer` of 249 same-alias fields, two fragments of ~250 such fields): 17-29 ms,
	// 155-165 ms under -race; at 1,000 it was 80-100 ms (0.5-0.66 s under -race), hence 500.
	// GraphiQL's introspection query holds 81 selections (73 fields, 8 spreads) with every
	// option on; a large page query of a client app, a few hundred at most.
	fieldLimit = 500
)

// CodeFieldLimit is extensions.code of a document over fieldLimit. A code of its own rather
// than COMPLEXITY_LIMIT_EXCEEDED: the cost limit weighs what an operation would resolve (a
// connection's `first` times its children, one operation), this limit counts what the
// document spells out (every operation and fragment, used or not, whatever @skip would skip),
// so a client seeing it knows to shorten the document, not to ask for fewer rows.
const CodeFieldLimit = "FIELD_LIMIT_EXCEEDED"

// FieldLimit refuses a document of more than limit selections before gqlgen
// validates it. gqlgen has no hook between parsing and validation, so the extension parses
// the query itself, on the raw parameters, with gqlgen's token limit: parsing is linear and
// bounded by that limit (~0.3 ms for 500 fields, ~3 ms for 10,000 tokens). A query found in
// gqlgen's cache passed this check already (gqlgen caches a document once it is validated,
// which is after this extension) and is not parsed again; a query that does not parse is left
// to gqlgen, which refuses it with GRAPHQL_PARSE_FAILED.
type FieldLimit struct {
	Limit      int
	TokenLimit int
	Cache      graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = FieldLimit{}

func (FieldLimit) ExtensionName() string { return "FieldLimit" }

func (FieldLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (e FieldLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if e.Cache != nil {
		if _, ok := e.Cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, e.TokenLimit)
	if err != nil {
		return nil // gqlgen parses it next and refuses it with GRAPHQL_PARSE_FAILED
	}
	n, over := countSelections(doc, e.Limit)
	if n <= e.Limit {
		return nil
	}
	var pos *ast.Position
	if over != nil {
		pos = over.GetPosition()
	}
	gqlErr := gqlerror.ErrorPosf(pos, "document has %d selections and directives, which exceeds the limit of %d", n, e.Limit)
	errcode.Set(gqlErr, CodeFieldLimit)
	return gqlErr
}

// countSelections returns the number of selections in doc, in all its operations and fragments,
// as written (a fragment counts once however often it is spread): fields, aliased or not, and
// fragment spreads and inline fragments, which validation compares pair by pair too; and the
// directives on any of them, which validation checks one by one (graphql-cop's "directive
// overloading": thousands of `@aa` made as many errors). over is the first selection past
// limit, nil if there are at most limit (or if only directives of operations, variables and
// fragments come after it).
func countSelections(doc *ast.QueryDocument, limit int) (n int, over ast.Selection) {
	var walk func(ast.SelectionSet)
	count := func(sel ast.Selection, directives ast.DirectiveList) {
		n += 1 + len(directives)
		if n > limit && over == nil {
			over = sel
		}
	}
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				count(s, s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				count(s, s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				count(s, s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		n += len(op.Directives)
		for _, v := range op.VariableDefinitions { // graphql-cop's run found these uncounted
			n += len(v.Directives)
		}
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += len(f.Directives)
		walk(f.SelectionSet)
	}
	return n, over
}

// CodeDepthLimit is extensions.code of an operation over depthLimit.
const CodeDepthLimit = "DEPTH_LIMIT_EXCEEDED"

// DepthLimit refuses an operation nested deeper than limit once it is parsed and
// validated, before any resolver runs (so no SQL either).
type DepthLimit struct {
	Limit int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

func (DepthLimit) ExtensionName() string { return "DepthLimit" }

func (DepthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (e DepthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	depth := operationDepth(opCtx.Doc, opCtx.Operation)
	if depth <= e.Limit {
		return nil
	}
	err := gqlerror.ErrorPosf(opCtx.Operation.Position, "operation has depth %d, which exceeds the limit of %d", depth, e.Limit)
	errcode.Set(err, CodeDepthLimit)
	return err
}

// operationDepth is how many fields the deepest field of op has above it: root fields are at
// depth 0, so `{ viewer { scopes } }` has depth 1 and a limit of 10 allows paths of 11 fields.
// This is the convention of graphql-depth-limit (depthLimit(10)) and GraphQL Armor, which
// clients mean by a depth of 10, and it leaves a Relay path like workshops > edges > node >
// slots > edges > node > registrations > edges > node > participant > firstName (11 fields)
// within the limit. Fragment spreads and inline fragments add no depth of their own: their
// fields count where they are spread. Directives (@skip, @include) are not evaluated: a path
// counts even when skipped. Nested `ofType` fields of __Type are free up to freeOfTypeLevels
// in a row.
func operationDepth(doc *ast.QueryDocument, op *ast.OperationDefinition) int {
	if op == nil {
		return 0
	}
	return measureDepth(doc, op, freeOfTypeLevels)
}

// measureDepth is operationDepth with freeOfType free `ofType` levels (0 measures the raw
// depth).
func measureDepth(doc *ast.QueryDocument, op *ast.OperationDefinition, freeOfType int) int {
	w := depthWalker{doc: doc, freeOfType: freeOfType, visiting: map[string]bool{}, memo: map[spreadAt]int{}}
	return max(w.selectionSet(op.SelectionSet, 0)-1, 0) // counted fields on the longest path, less the deepest
}

// spreadAt is a fragment entered after a run of `ofType` levels: the only context its
// height depends on.
type spreadAt struct {
	name  string
	ofTyp int
}

type depthWalker struct {
	doc        *ast.QueryDocument
	freeOfType int
	// visiting holds the fragments being walked: spreading one again is a cycle, which
	// validation already refuses (NoFragmentCycles); the walker stops there instead of
	// looping.
	visiting map[string]bool
	// memo keeps the walk linear in the document: without it a fragment spread twice in each
	// of n nested fragments would be walked 2^n times.
	memo map[spreadAt]int
}

// selectionSet returns the height of set: its longest path of counted fields. ofTyp is the
// number of `ofType` levels directly above it (capped at freeOfType).
func (w *depthWalker) selectionSet(set ast.SelectionSet, ofTyp int) int {
	height := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			height = max(height, w.field(s, ofTyp))
		case *ast.InlineFragment:
			height = max(height, w.selectionSet(s.SelectionSet, ofTyp))
		case *ast.FragmentSpread:
			height = max(height, w.spread(s, ofTyp))
		}
	}
	return height
}

func (w *depthWalker) field(f *ast.Field, ofTyp int) int {
	counts := 1
	if f.Name == "ofType" && f.ObjectDefinition != nil && f.ObjectDefinition.Name == "__Type" {
		if ofTyp < w.freeOfType {
			counts = 0
		}
		ofTyp = min(ofTyp+1, w.freeOfType)
	} else {
		ofTyp = 0
	}
	return counts + w.selectionSet(f.SelectionSet, ofTyp)
}

func (w *depthWalker) spread(s *ast.FragmentSpread, ofTyp int) int {
	def := s.Definition
	if def == nil && w.doc != nil {
		def = w.doc.Fragments.ForName(s.Name)
	}
	if def == nil || w.visiting[s.Name] {
		return 0 // unknown fragment or a cycle: validation refuses both
	}
	key := spreadAt{s.Name, ofTyp}
	if h, ok := w.memo[key]; ok {
		return h
	}
	w.visiting[s.Name] = true
	h := w.selectionSet(def.SelectionSet, ofTyp)
	delete(w.visiting, s.Name)
	w.memo[key] = h
	return h
}

// introspectionDepthMessage is the message of gqlparser's MaxIntrospectionDepth validation
// rule (graphql-js's MaxIntrospectionDepthRule): introspection nesting __Type's fields,
// interfaces, possibleTypes or inputFields three deep, the circular introspection query.
const introspectionDepthMessage = "Maximum introspection depth exceeded"

// SameCodeForIntrospectionDepth gives gqlparser's refusal of circular introspection the code
// of the depth limit instead of GRAPHQL_VALIDATION_FAILED: it is the same refusal (a query
// nested too deep, introspection included), found earlier, during validation, so that clients
// see one code for "too deep". We keep the rule, which is stricter than depthLimit on
// introspection, rather than disable it to get the code from our limit. A test fails if
// gqlparser changes the message.
func SameCodeForIntrospectionDepth(e *gqlerror.Error) *gqlerror.Error {
	if e != nil && e.Message == introspectionDepthMessage && e.Extensions["code"] == errcode.ValidationFailed {
		e.Extensions["code"] = CodeDepthLimit
	}
	return e
}

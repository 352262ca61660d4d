package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// The validation rules of every document: gqlparser's, with literals coerced strictly
// (coerce.go) and incremental delivery refused in words a client understands.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule(strictLiteralsRule.Name, strictLiteralsRule.RuleFunc)
	r.ReplaceRule(rules.KnownDirectivesRule.Name, knownDirectivesWithoutDefer)
	return r
}

// incrementalDirectives are @defer and @stream. gqlparser's prelude declares @defer, and
// gqlgen answered a query using it over plain POST with one response holding null in non-null
// fields and "hasNext": true, which Apollo Client either throws on or shows as null. This API
// answers every operation in one response: the directives are not in its schema (init below),
// and a document using them is refused during validation.
var incrementalDirectives = map[string]bool{"defer": true, "stream": true}

const incrementalMessage = "@%s is not supported: this API answers every operation in one response; ask for the fields without it"

func init() {
	for name := range incrementalDirectives {
		delete(parsedSchema.Directives, name)
	}
}

// knownDirectivesWithoutDefer is gqlparser's KnownDirectives rule, with its "Unknown directive"
// error on @defer and @stream replaced by one that says why.
func knownDirectivesWithoutDefer(o *core.Events, addError core.AddErrFunc) {
	o.OnDirective(func(_ *core.Walker, d *ast.Directive) {
		if incrementalDirectives[d.Name] {
			addError(core.Message(incrementalMessage, d.Name), core.At(d.Position))
		}
	})
	rules.KnownDirectivesRule.RuleFunc(o, func(opts ...core.ErrorOption) {
		var e gqlerror.Error
		for _, opt := range opts {
			opt(&e)
		}
		for name := range incrementalDirectives {
			if e.Message == `Unknown directive "@`+name+`".` {
				return
			}
		}
		addError(opts...)
	})
}

// maxErrors caps the errors of one response, as graphql-js caps validation errors: 499
// repeated directives made 997 errors, a 100 kB answer to a 5 kB request.
const maxErrors = 100

// errorLimit keeps the first maxErrors errors of a response and says how many it left out.
type errorLimit struct{}

func (errorLimit) ExtensionName() string                   { return "ErrorLimit" }
func (errorLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (errorLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	left := len(resp.Errors) - maxErrors + 1
	last := gqlerror.Errorf("too many errors: %d more were left out; fix the ones above first", left)
	last.Extensions = map[string]any{"code": resp.Errors[0].Extensions["code"]}
	resp.Errors = append(resp.Errors[:maxErrors-1:maxErrors-1], last)
	return resp
}

package main

import (
	"net/http"
	"net/url"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// getParseTokenLimit bounds the work of parsing a GET query here, before gqlgen's own limits
// run (the URL alone may hold up to 1 MB of query). It is the parser token limit of the README's "Limits and errors"; a
// query over it is left to gqlgen, which refuses it or, for a mutation, answers 406.
const getParseTokenLimit = 10_000

// refuseGETMutations answers a GET whose selected operation is a mutation with 405 and
// `Allow: POST`, as the GraphQL over HTTP spec asks, before the caller is resolved or anything
// runs: a mutation must never be triggered by a link, a prefetch or a cached URL. gqlgen's GET
// transport refuses it too, but with 406, which tells the client nothing about the method.
// Queries, and anything that does not parse, go on to gqlgen, which answers as usual.
func refuseGETMutations(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && selectsMutation(r.URL.RawQuery) {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "mutations must be sent with POST")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// selectsMutation tells whether the GET parameters select a mutation: the operation named by
// operationName, or the document's only operation. A document that does not parse, or whose
// operation cannot be selected, is not one: gqlgen reports those errors itself.
func selectsMutation(rawQuery string) bool {
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Get("query")}, getParseTokenLimit)
	if err != nil {
		return false
	}
	var op *ast.OperationDefinition
	if name := params.Get("operationName"); name != "" {
		op = doc.Operations.ForName(name)
	} else if len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	return op != nil && op.Operation == ast.Mutation
}

package main

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// The refusals the server makes before gqlgen runs (bad method, body, media type or key) look
// like gqlgen's own: a GraphQL error body with extensions.code, in the media type the client
// accepts, so that a client parses every answer alike.

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// writeError answers with a GraphQL-shaped error body.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", responseType(r))
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ateliers"`)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}

// responseType picks the media type of a response as gqlgen's transports do: the first of
// application/json and application/graphql-response+json that Accept lists, application/json
// for no Accept or a wildcard, and application/graphql-response+json when Accept lists neither.
func responseType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		switch {
		case err != nil:
		case mt == "*/*" || mt == "application/*" || mt == mediaJSON:
			return mediaJSON
		case mt == mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// allowMethods answers any method but GET, POST and OPTIONS with 405, `Allow` and
// METHOD_NOT_ALLOWED. gqlgen answered PUT, DELETE or PATCH with 400 "transport not supported",
// no code, in text/plain.
func allowMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodOptions:
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeError(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "the API answers GET (queries only) and POST")
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/regiestains/ateliers/graph"
)

// answerUnavailable gives a GraphQL response the status 503 Service Unavailable, with
// Retry-After, when an operation failed because the database could not be reached
// (SERVICE_UNAVAILABLE) and the response holds no data: load balancers, monitors and client
// retry policies then see the outage for what it is. A partial result keeps its 200, as GraphQL
// over HTTP asks. Other responses pass through untouched and unbuffered.
func answerUnavailable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, unavailable := graph.WithUnavailableFlag(r.Context())
		uw := &unavailableWriter{ResponseWriter: w, unavailable: unavailable}
		next.ServeHTTP(uw, r.WithContext(ctx))
		uw.finish()
	})
}

// unavailableWriter decides on the first write, once the operation has run: gqlgen presents
// every error, and so sets the flag, before it writes the response.
type unavailableWriter struct {
	http.ResponseWriter
	unavailable func() bool
	decided     bool
	held        *bytes.Buffer // the response, held back until finish decides on its status
}

func (u *unavailableWriter) WriteHeader(code int) {
	if u.decided {
		return
	}
	u.decided = true
	if code == http.StatusOK && u.unavailable() {
		u.held = new(bytes.Buffer)
		return
	}
	u.ResponseWriter.WriteHeader(code)
}

func (u *unavailableWriter) Write(b []byte) (int, error) {
	if !u.decided {
		u.WriteHeader(http.StatusOK)
	}
	if u.held != nil {
		return u.held.Write(b)
	}
	return u.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (u *unavailableWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func (u *unavailableWriter) finish() {
	if u.held == nil {
		return
	}
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	status := http.StatusOK
	if json.Unmarshal(u.held.Bytes(), &body) == nil && (len(body.Data) == 0 || string(body.Data) == "null") {
		status = http.StatusServiceUnavailable
		u.Header().Set("Retry-After", "1")
	}
	u.ResponseWriter.WriteHeader(status)
	u.ResponseWriter.Write(u.held.Bytes())
}

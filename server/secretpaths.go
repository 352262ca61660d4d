package main

import (
	"context"
	"net/http"
	"path"
	"strings"
)

// Some paths hold a secret: the private calendars' (calendar_private.go). Calendar apps send
// no header, so the secret must be in the URL; it must then stay out of everything that
// records URLs: the request log line (logRequests) and the traces (traced). loggedPath is the
// one rule both apply.

// publicCalendarKinds are the kinds of the public feeds, whose ids are not secret.
var publicCalendarKinds = map[string]bool{"venues": true, "workshops": true, "organisations": true}

// loggedPath is the path of a request as logs and traces may record it: under /calendar/,
// everything but the kind is replaced with <secret>, except the ids of the public feeds. The
// path is cleaned first and its prefix compared in any case, so that /calendar//referrals/…
// or /Calendar/referrals/… (answered 301 or 404, but logged all the same) hide their secret
// too. A public feed's "id" longer than an id can be (a secret pasted in the wrong place) is
// hidden as well.
func loggedPath(p string) string {
	clean := path.Clean("/" + p)
	if len(clean) < len("/calendar/") || !strings.EqualFold(clean[:len("/calendar/")], "/calendar/") {
		return p
	}
	kind, rest, _ := strings.Cut(clean[len("/calendar/"):], "/")
	if rest == "" {
		return "/calendar/<secret>"
	}
	if publicCalendarKinds[kind] && len(rest) <= 40 && !strings.Contains(rest, "/") {
		return clean
	}
	return "/calendar/" + kind + "/<secret>"
}

// originalURL keeps a request's own URL while the tracer sees it with its secret hidden.
type originalURL struct{}

// hideSecretPath gives next (the tracer) the request with loggedPath as its path, and keeps
// the real one for restoreSecretPath, which the tracer calls in turn.
func hideSecretPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logged := loggedPath(r.URL.Path)
		if logged == r.URL.Path {
			next.ServeHTTP(w, r)
			return
		}
		hidden := r.WithContext(context.WithValue(r.Context(), originalURL{}, r))
		u := *r.URL
		u.Path, u.RawPath = logged, ""
		hidden.URL, hidden.RequestURI = &u, u.RequestURI()
		next.ServeHTTP(w, hidden)
	})
}

// restoreSecretPath puts back the URL hideSecretPath hid, for the handlers that need it.
func restoreSecretPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if orig, ok := r.Context().Value(originalURL{}).(*http.Request); ok {
			r = r.WithContext(r.Context()) // a copy: the tracer keeps its own
			r.URL, r.RequestURI = orig.URL, orig.RequestURI
		}
		next.ServeHTTP(w, r)
	})
}

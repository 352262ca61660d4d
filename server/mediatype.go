package main

import (
	"mime"
	"net/http"
)

// requireJSON answers a POST whose body is not JSON with 415 and UNSUPPORTED_MEDIA_TYPE, before
// anything reads it. What a cross-site page can send without a CORS preflight (a form,
// url-encoded or multipart, or fetch's text/plain) is thereby refused with a clear code, as the
// other refusals, rather than gqlgen's bare 400 "transport not supported".
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				w.Header().Set("Accept-Post", "application/json")
				writeError(w, r, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "send the operation as JSON, with Content-Type: application/json")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

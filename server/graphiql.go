package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// The GraphiQL page and everything it loads live in the binary (server/graphiql/README.md says
// where they come from), so that GraphiQL works offline and behind filtering proxies, which a
// page loading React and GraphiQL from a CDN does not.
//
//go:embed graphiql/page.html graphiql/assets
var graphiqlFiles embed.FS

// graphiqlCSP allows the page nothing but its own origin. Fonts and a few images are data: URLs
// inside graphiql.min.css. style-src needs 'unsafe-inline' because GraphiQL's dialogs (Radix
// UI's scroll lock) insert a <style> element at run time, whose content varies so no hash fits;
// scripts, the dangerous part, stay 'self' (the test fails on any refusal by the policy).
const graphiqlCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// graphiqlAsset is one embedded file, ready to serve.
type graphiqlAsset struct {
	body         []byte
	contentType  string
	etag         string
	cacheControl string
}

// graphiqlHandler serves GraphiQL: the page at / and its files under /graphiql/. Mount it for
// both ("GET /{$}" and "GET /graphiql/"). endpoint is the API's path on the same origin, since
// the page may connect to nothing else.
func graphiqlHandler(title, endpoint string) http.Handler {
	var page bytes.Buffer
	tmpl := template.Must(template.ParseFS(graphiqlFiles, "graphiql/page.html"))
	if err := tmpl.Execute(&page, struct{ Title, Endpoint string }{title, endpoint}); err != nil {
		panic(err)
	}
	assets := graphiqlAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == "/" {
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Security-Policy", graphiqlCSP)
			h.Set("Cache-Control", "no-cache")
			w.Write(page.Bytes())
			return
		}
		a, ok := assets[strings.TrimPrefix(r.URL.Path, "/graphiql/")]
		if !ok || !strings.HasPrefix(r.URL.Path, "/graphiql/") {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", a.cacheControl)
		// ServeContent answers If-None-Match with 304, and HEAD and Range requests.
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}

// graphiqlAssets reads and hashes the embedded files once per process (1.6 MB), however many
// handlers the tests build: by path under graphiql/assets. The files of the npm packages sit in
// folders named NAME-VERSION: a new version is a new URL, so they may be cached for a year.
// Ours, at the top, change with the server and are revalidated.
var graphiqlAssets = sync.OnceValue(func() map[string]graphiqlAsset {
	root, err := fs.Sub(graphiqlFiles, "graphiql/assets")
	if err != nil {
		panic(err)
	}
	types := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
		"":     "text/plain; charset=utf-8", // LICENSE
	}
	assets := map[string]graphiqlAsset{}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := graphiqlAsset{body: body, contentType: types[path.Ext(name)],
			etag: `"` + hex.EncodeToString(sum[:16]) + `"`, cacheControl: "no-cache"}
		if strings.Contains(name, "/") {
			a.cacheControl = "public, max-age=31536000, immutable"
		}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		assets[name] = a
		return nil
	})
	if err != nil {
		panic(err)
	}
	return assets
})

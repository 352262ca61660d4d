package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// graphiqlMux mounts GraphiQL as server/http.go does, in front of api for every other path.
func graphiqlMux(api http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	gq := graphiqlHandler("Ateliers numériques — GraphiQL", "/graphql")
	mux.Handle("GET /{$}", gq)
	mux.Handle("GET /graphiql/", gq)
	mux.Handle("/", api)
	return mux
}

var graphiqlRef = regexp.MustCompile(`(?:src|href)="(/graphiql/[^"]+)"`)

// TestGraphiqlServesItsFiles holds the page to loading nothing from outside, and every file
// it names to be served with its type and caching, without a browser.
func TestGraphiqlServesItsFiles(t *testing.T) {
	srv := httptest.NewServer(graphiqlMux(http.NotFoundHandler()))
	t.Cleanup(srv.Close)
	get := func(path string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}

	res, page := get("/")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: got %d %q, want 200 text/html", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := res.Header.Get("Content-Security-Policy"); got != graphiqlCSP {
		t.Errorf("GET /: Content-Security-Policy %q, want %q", got, graphiqlCSP)
	}
	if strings.Contains(page, "//") {
		t.Errorf("the page names another origin (it holds //):\n%s", page)
	}
	if !strings.Contains(page, `data-endpoint="/graphql"`) || !strings.Contains(page, "<title>Ateliers numériques — GraphiQL</title>") {
		t.Errorf("the page lacks its title or endpoint:\n%s", page)
	}

	var named []string
	for _, m := range graphiqlRef.FindAllStringSubmatch(page, -1) {
		path := m[1]
		named = append(named, strings.TrimPrefix(path, "/graphiql/"))
		res, _ := get(path)
		wantType := "text/javascript; charset=utf-8"
		if strings.HasSuffix(path, ".css") {
			wantType = "text/css; charset=utf-8"
		}
		wantCache := "no-cache"
		if strings.Count(path, "/") > 2 { // /graphiql/NAME-VERSION/file
			wantCache = "public, max-age=31536000, immutable"
		}
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != wantType ||
			res.Header.Get("Cache-Control") != wantCache || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: got %d, %q, %q, nosniff %q; want 200, %q, %q, nosniff", path, res.StatusCode,
				res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"), wantType, wantCache)
			continue
		}
		if again, _ := get(path, "If-None-Match", res.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: got %d, want 304", path, again.StatusCode)
		}
	}
	if len(named) != 6 {
		t.Errorf("the page names %d files, want 6 (React, ReactDOM, GraphiQL's script and style, ours): %v", len(named), named)
	}
	// A version left behind by an update would be embedded in the binary for nothing.
	fs.WalkDir(graphiqlFiles, "graphiql/assets", func(name string, d fs.DirEntry, err error) error {
		name = strings.TrimPrefix(name, "graphiql/assets/")
		if err == nil && !d.IsDir() && !strings.HasSuffix(name, "/LICENSE") && !slices.Contains(named, name) {
			t.Errorf("server/graphiql/assets/%s is embedded but the page does not load it", name)
		}
		return nil
	})
	for _, path := range []string{"/graphiql/", "/graphiql/missing.js", "/graphiql/../graphiql.go"} {
		if res, _ := get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, res.StatusCode)
		}
	}
	if res, body := get("/graphiql/graphiql-4.1.2/LICENSE"); res.StatusCode != http.StatusOK || !strings.Contains(body, "MIT") {
		t.Errorf("GET GraphiQL's LICENSE: got %d, want 200 with the MIT licence", res.StatusCode)
	}
}

// chromium is where Debian's package puts the browser (scripts/chromium.sh installs it).
const chromium = "/usr/bin/chromium"

// TestGraphiqlRendersOffline renders GraphiQL in headless Chromium against the real API on a
// real database, with every host but the test server unreachable, and uses it as a partner
// would: the schema's documentation (which needs the introspection query), then a query with
// an API key typed in the header editor.
func TestGraphiqlRendersOffline(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI installs it with scripts/chromium.sh: %v", chromium, err)
		}
		t.Skipf("GraphiQL is not rendered: %s is missing (scripts/chromium.sh installs it, as root)", chromium)
	}
	// The real API (middleware, resolvers, a database of its own) behind GraphiQL, on a mux of
	// the test's own, so that the test does not depend on the routes of http.go.
	a := newTestAPI(t)
	key := a.adminKey()
	srv := httptest.NewServer(graphiqlMux(newHandler(a.config, a.Pool, nil, a.pages, a.hub)))
	t.Cleanup(srv.Close)

	// Everything the page does goes here: a request to another origin, an error on the console
	// (a 404, a refusal by the Content-Security-Policy) or an uncaught exception fails the test.
	var mu sync.Mutex
	var problems []string
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	listen := func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
				report("request to another origin: %s", u)
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				report("browser log (%s, %s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				report("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			report("uncaught exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// No network but the test server: no host name resolves, and every request that is
		// not for a loopback address, the page's or Chromium's own (it calls update and time
		// servers despite the flags), goes to a proxy on the discard port and fails there.
		// Loopback addresses bypass a proxy by default; a bypass list of <-loopback> would
		// send them to the proxy as well.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.ProxyServer("127.0.0.1:9"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox refuses to run as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(listen))
	defer cancel()
	// The first Run starts the browser; its context must outlive the test's steps.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	steps, cancelSteps := context.WithTimeout(ctx, 30*time.Second)
	defer cancelSteps()
	failed := func(what string, err error) {
		t.Helper()
		look, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		text, _ := chromedp.Run(look, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%s: %v\nthe page reads:\n%s\nproblems: %q", what, err, text, problems)
	}

	// The book icon opens the documentation, which lists the schema's types once the
	// introspection query has answered. GraphiQL keeps a hidden pane in the page, off-screen
	// and transparent, so the test waits until the list is on screen and opaque.
	err := chromedp.Do(steps,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`)),
		chromedp.Poll[chromedp.Void](`(() => {
			const e = document.querySelector('.graphiql-doc-explorer-content a.graphiql-doc-explorer-type-name');
			return e && e.checkVisibility({opacityProperty: true}) && e.getBoundingClientRect().left >= 0;
		})()`),
	)
	if err != nil {
		failed("the documentation of the schema does not show", err)
	}
	docs, err := chromedp.Run(steps, chromedp.Text(chromedp.CSS(`.graphiql-doc-explorer-content`)))
	if err != nil || !strings.Contains(docs, "Viewer") || !strings.Contains(docs, "Workshop") {
		failed("the documentation does not list the schema's types Viewer and Workshop", err)
	}

	// A query with an API key in the header editor, as a partner runs one.
	const headers = `section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror`
	err = chromedp.Do(steps,
		chromedp.WaitVisible(chromedp.CSS(headers)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`
			document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ viewer { isNetworkAdmin isAnonymous } }');
			document.querySelector(%q).CodeMirror.setValue(JSON.stringify({Authorization: 'Bearer ' + %q}));`, headers, key)),
		chromedp.Click(chromedp.CSS(`button.graphiql-execute-button`)),
	)
	if err != nil {
		failed("cannot run a query", err)
	}
	result, err := chromedp.Run(steps, chromedp.Poll[string](`document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()`))
	if err != nil {
		failed("no result shows", err)
	}
	var got struct {
		Data struct {
			Viewer struct{ IsNetworkAdmin, IsAnonymous bool }
		}
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil || !got.Data.Viewer.IsNetworkAdmin || got.Data.Viewer.IsAnonymous {
		t.Errorf("the result pane shows %s, want the viewer as network administrator", result)
	}

	// A subscription, over a WebSocket to the same endpoint: the seats as they are, then as
	// a registration changes them. The key of the header editor goes in its connection_init.
	_, slot := a.bookable("regie-stains", 10)
	err = chromedp.Do(steps, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('subscription Seats { seatsChanged(slotIds: [%q]) { seatsLeft } }')`, slot)),
		// GraphiQL parses the editor's text a moment after it changes, and picks the
		// transport from what it parsed: clicked at once, it would post the query before.
		chromedp.Sleep(time.Second),
		chromedp.Click(chromedp.CSS(`button.graphiql-execute-button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().includes('"seatsLeft": 10')`),
	)
	if err != nil {
		failed("a subscription shows no seats", err)
	}
	a.register("", slot, 1, nil)
	if err := chromedp.Do(steps, chromedp.Poll[chromedp.Void](`document.querySelector('.result-window .CodeMirror').CodeMirror.getValue().includes('"seatsLeft": 9')`)); err != nil {
		failed("a subscription does not show the seats a registration took", err)
	}

	// A dialog: Radix UI's scroll lock inserts a <style> element, which a style-src without
	// 'unsafe-inline' refuses (an error on the console).
	err = chromedp.Do(steps,
		chromedp.Click(chromedp.CSS(`button[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role=dialog]`)),
	)
	if err != nil {
		failed("the settings dialog does not open", err)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

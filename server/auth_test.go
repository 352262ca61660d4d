package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestAnonymousCallerIsThePublic(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	var out struct {
		Viewer struct {
			IsAnonymous    bool
			IsNetworkAdmin bool
			Scopes         []string
			Organisation   *struct{ ID string }
		}
	}
	a.query("", `{ viewer { isAnonymous isNetworkAdmin scopes organisation { id } } }`, nil, &out)
	if !out.Viewer.IsAnonymous || out.Viewer.IsNetworkAdmin || len(out.Viewer.Scopes) != 0 || out.Viewer.Organisation != nil {
		t.Errorf("viewer = %+v, want anonymous with nothing", out.Viewer)
	}
}

func TestBadKeysAreRefusedWith401(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for name, header := range map[string]string{
		"unknown key":    "Bearer ateliers_nope",
		"not bearer":     "Basic dXNlcjpwYXNz",
		"empty bearer":   "Bearer ",
		"too long a key": "Bearer " + strings.Repeat("x", 300),
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", nil)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", header)
			r := a.send(req)
			if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
				t.Errorf("got status %d errors %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
			}
		})
	}
}

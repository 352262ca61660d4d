package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCatalogueAPIKeySecretIsShownOnceAndRevocationIsImmediate(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	org := catWrite(a, admin, catCreateOrganisation, map[string]any{"name": "CCAS de Stains", "slug": "ccas-stains", "kind": "CCAS"})
	listKeys := func(key string) []map[string]any {
		t.Helper()
		var out struct {
			APIKeys struct {
				Edges []struct{ Node map[string]any }
			}
		}
		a.query(key, `{ apiKeys { edges { node { `+catAPIKeyFields+` } } } }`, nil, &out)
		nodes := make([]map[string]any, len(out.APIKeys.Edges))
		for i, e := range out.APIKeys.Edges {
			nodes[i] = e.Node
		}
		return nodes
	}

	// An administrator creates the organisation's first key.
	first := catMutate(a, admin, catCreateAPIKey, map[string]any{"organisationId": catID(org),
		"label": "Back-office", "scopes": []string{"KEYS_MANAGE", "CATALOGUE_WRITE"}})
	if first.Secret == nil || len(first.UserErrors) > 0 {
		t.Fatalf("createApiKey: got userErrors %+v, want a key and its secret", first.UserErrors)
	}
	manager := *first.Secret
	catHas(t, "first key", first.O, map[string]any{"label": "Back-office", "scopes": []string{"CATALOGUE_WRITE", "KEYS_MANAGE"},
		"isNetworkAdmin": false, "lastUsedAt": nil, "revokedAt": nil, "organisation": map[string]any{"id": catID(org)}})
	if created, err := time.Parse(time.RFC3339, fmt.Sprint(first.O["createdAt"])); err != nil || time.Since(created) > time.Minute {
		t.Errorf("createdAt: got %v, want now", first.O["createdAt"])
	}
	if prefix := fmt.Sprint(first.O["prefix"]); !strings.HasPrefix(manager, prefix) || len(manager) < len(prefix)+22 {
		t.Errorf("secret %d characters long with prefix %q: want the prefix to start a secret of at least 128 bits", len(manager), prefix)
	}

	// The secret works as a Bearer key at once.
	var viewer struct {
		Viewer struct {
			Organisation struct{ ID string }
			Scopes       []string
		}
	}
	a.query(manager, `{ viewer { organisation { id } scopes } }`, nil, &viewer)
	if viewer.Viewer.Organisation.ID != catID(org) || !slices.Equal(viewer.Viewer.Scopes, []string{"CATALOGUE_WRITE", "KEYS_MANAGE"}) {
		t.Errorf("viewer of the new key: got %+v, want the CCAS with its two scopes", viewer.Viewer)
	}

	// The KEYS_MANAGE key creates a narrower key of its own organisation.
	site := catMutate(a, manager, catCreateAPIKey, map[string]any{"label": "Site public", "scopes": []string{"CATALOGUE_WRITE"}})
	if site.Secret == nil || len(site.UserErrors) > 0 {
		t.Fatalf("createApiKey by the manager: got userErrors %+v, want a key", site.UserErrors)
	}
	keys := listKeys(manager)
	if len(keys) != 2 {
		t.Fatalf("apiKeys: got %d keys, want 2", len(keys))
	}
	catHas(t, "newest key", keys[0], map[string]any{"id": catID(site.O), "label": "Site public",
		"scopes": []string{"CATALOGUE_WRITE"}, "lastUsedAt": nil, "revokedAt": nil})
	catHas(t, "older key", keys[1], map[string]any{"id": catID(first.O), "label": "Back-office", "revokedAt": nil})
	if keys[1]["lastUsedAt"] == nil {
		t.Errorf("lastUsedAt of a key just used: got null, want its last use")
	}

	a.query(*site.Secret, `{ viewer { isAnonymous } }`, nil, nil)
	if got := listKeys(manager)[0]["lastUsedAt"]; got == nil {
		t.Errorf("lastUsedAt after the key's first use: got null, want set")
	}

	// The secret is shown once: no listing, no table holds it.
	for name, secret := range map[string]string{"manager": manager, "site": *site.Secret} {
		if r := a.post(manager, `{ apiKeys { edges { node { `+catAPIKeyFields+` } } } }`, nil); strings.Contains(string(r.Data), secret) {
			t.Errorf("the %s secret appears in apiKeys", name)
		}
		if strings.Contains(strings.Join(catSnapshot(a), "\n"), secret) {
			t.Errorf("the %s secret is stored in clear", name)
		}
	}

	// Revocation is immediate: the next request with the key is refused with 401.
	revoked := catWrite(a, manager, catRevokeAPIKey, map[string]any{"id": catID(site.O)})
	if revoked["revokedAt"] == nil {
		t.Errorf("revokedAt: got null, want the revocation time")
	}
	if r := a.post(*site.Secret, `{ viewer { isAnonymous } }`, nil); r.Status != 401 || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("revoked key: got status %d errors %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
	}
	if got := listKeys(manager)[0]["revokedAt"]; got == nil {
		t.Errorf("revokedAt in apiKeys: got null, want set")
	}

	// An administrator also creates other administrator keys.
	other := catMutate(a, admin, catCreateAPIKey, map[string]any{"label": "Deuxième admin", "scopes": []string{}})
	catHas(t, "administrator key", other.O, map[string]any{"isNetworkAdmin": true, "organisation": nil, "scopes": []string{}})
}

func TestCatalogueKeysManageCannotMintStrongerOrForeignKeys(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, manager := a.org("regie-stains", "KEYS_MANAGE", "CATALOGUE_WRITE")
	otherID, otherManager := a.org("emmaus-connect", "KEYS_MANAGE", "CATALOGUE_WRITE", "REPORTS_READ")
	_, writer := a.host("ccas-stains")
	target := catMutate(a, manager, catCreateAPIKey, map[string]any{"label": "Site public", "scopes": []string{"CATALOGUE_WRITE"}})
	if target.Secret == nil {
		t.Fatalf("createApiKey: %+v", target.UserErrors)
	}
	var adminKeys struct {
		APIKeys struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.query(admin, `{ apiKeys { edges { node { id } } } }`, nil, &adminKeys)
	if len(adminKeys.APIKeys.Edges) != 1 {
		t.Fatalf("administrator keys: got %d, want 1", len(adminKeys.APIKeys.Edges))
	}
	adminKeyID := adminKeys.APIKeys.Edges[0].Node.ID

	for _, c := range []struct {
		name, key, doc string
		in             map[string]any
		want           string
	}{
		{"anonymous creates a key", "", catCreateAPIKey,
			map[string]any{"organisationId": hostID, "label": "x", "scopes": []string{"CATALOGUE_WRITE"}}, "UNAUTHENTICATED"},
		{"a key without KEYS_MANAGE creates a key", writer, catCreateAPIKey,
			map[string]any{"label": "x", "scopes": []string{"CATALOGUE_WRITE"}}, "FORBIDDEN"},
		{"KEYS_MANAGE grants a scope it does not hold", manager, catCreateAPIKey,
			map[string]any{"label": "x", "scopes": []string{"CATALOGUE_WRITE", "REPORTS_READ"}}, "FORBIDDEN"},
		{"KEYS_MANAGE creates a key of another organisation", manager, catCreateAPIKey,
			map[string]any{"organisationId": otherID, "label": "x", "scopes": []string{"CATALOGUE_WRITE"}}, "FORBIDDEN"},
		{"anonymous revokes a key", "", catRevokeAPIKey, map[string]any{"id": catID(target.O)}, "UNAUTHENTICATED"},
		{"anonymous lists keys", "", `{ apiKeys { edges { node { id } } } }`, nil, "UNAUTHENTICATED"},
		{"a key without KEYS_MANAGE lists keys", writer, `{ apiKeys { edges { node { id } } } }`, nil, "FORBIDDEN"},
	} {
		catChangesNothing(t, a, c.name, func(t *testing.T, a *testAPI) {
			if got := a.errorCode(c.key, c.doc, map[string]any{"in": c.in}); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	// Keys a caller may not manage are as invisible to revokeApiKey as to node: NOT_FOUND.
	for name, c := range map[string]struct{ key, id string }{
		"a key without KEYS_MANAGE revokes a key":           {*target.Secret, catID(target.O)},
		"KEYS_MANAGE of another organisation revokes a key": {otherManager, catID(target.O)},
		"KEYS_MANAGE revokes an administrator key":          {manager, adminKeyID},
	} {
		catChangesNothing(t, a, name, func(t *testing.T, a *testAPI) {
			catRefusedWith(t, catMutate(a, c.key, catRevokeAPIKey, map[string]any{"id": c.id}), "NOT_FOUND", "id")
		})
	}
	a.query(*target.Secret, `{ viewer { isAnonymous } }`, nil, nil) // still works: nobody revoked it

	// An administrator creates any organisation's first key, with any scopes.
	orgID := catID(catWrite(a, admin, catCreateOrganisation, map[string]any{"name": "Médiathèque", "slug": "mediatheque", "kind": "MEDIATHEQUE"}))
	first := catMutate(a, admin, catCreateAPIKey, map[string]any{"organisationId": orgID, "label": "Premier",
		"scopes": []string{"KEYS_MANAGE", "CATALOGUE_WRITE", "REPORTS_READ"}})
	catHas(t, "first key by the administrator", first.O, map[string]any{"organisation": map[string]any{"id": orgID},
		"scopes": []string{"CATALOGUE_WRITE", "KEYS_MANAGE", "REPORTS_READ"}})
}

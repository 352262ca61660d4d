package main

import (
	"testing"

	"github.com/regiestains/ateliers/db"
)

// A host finds a person's history among its own registrations, by phone, email or name
// (accents and case aside), the latest slot first; another host's registrations never show;
// every search is on record with the key and what it returned.
func TestAHostFindsAPersonsHistory(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "history-host")
	other := rulesNewHost(t, a, "history-other")
	june, july := h.slot(t, a, 5, nil), a.slot(h.Key, h.Workshop, h.Venue, "2032-07-01T14:00", map[string]any{"capacity": 5})
	elsewhere := other.slot(t, a, 5, nil)
	awa := func(first, last string) map[string]any {
		return map[string]any{"firstName": first, "lastName": last, "phone": "06 12 34 56 78", "email": "awa.diallo@example.fr",
			"consent": true, "consentVersion": "2026-11"}
	}
	first, _ := rulesBook(t, a, "", map[string]any{"slotId": june, "participant": awa("Awa", "Diallo")}, "CONFIRMED")
	second, _ := rulesBook(t, a, h.Key, map[string]any{"slotId": july, "participant": awa("AWA", "DIALLÔ")}, "CONFIRMED")
	rulesBook(t, a, "", map[string]any{"slotId": elsewhere, "participant": awa("Awa", "Diallo")}, "CONFIRMED")
	rulesBook(t, a, "", rulesIn(june, 7, nil), "CONFIRMED") // someone else

	const doc = `query($phone: PhoneNumber, $email: Email, $name: String) {
		personHistory(phone: $phone, email: $email, name: $name) { id slot { startsAt } } }`
	search := func(vars map[string]any) []string {
		t.Helper()
		var out struct{ PersonHistory []struct{ ID string } }
		a.query(h.Key, doc, vars, &out)
		ids := make([]string, len(out.PersonHistory))
		for i, r := range out.PersonHistory {
			ids[i] = r.ID
		}
		return ids
	}
	want := []string{second.ID, first.ID}
	for name, vars := range map[string]map[string]any{
		"phone as typed":        {"phone": "+33 6 12 34 56 78"},
		"email in capitals":     {"email": "AWA.DIALLO@example.fr"},
		"name, accents aside":   {"name": "awa diallo"},
		"name, last name first": {"name": "  Diallô   Awa "},
		"phone and name":        {"phone": "0612345678", "name": "Awa Diallo"},
	} {
		if got := search(vars); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: got %v, want %v (July, then June; not the other host's)", name, got, want)
		}
	}
	if got := search(map[string]any{"name": "Awa Dialo"}); len(got) != 0 {
		t.Errorf("a misspelt name: got %v, want nothing", got)
	}

	rulesWantError(t, a, "no criterion", h.Key, doc, nil, "BAD_USER_INPUT")
	rulesWantError(t, a, "the public", "", doc, map[string]any{"name": "Awa Diallo"}, "UNAUTHENTICATED")
	rulesWantError(t, a, "a key without REGISTRATIONS_READ", anotherKey(t, a, h.ID, db.ScopeCatalogueWrite), doc,
		map[string]any{"name": "Awa Diallo"}, "FORBIDDEN")
	var other3 struct{ PersonHistory []struct{ ID string } }
	a.query(other.Key, doc, map[string]any{"name": "Awa Diallo"}, &other3)
	if len(other3.PersonHistory) != 1 {
		t.Errorf("the other host finds %d registrations, want its own one", len(other3.PersonHistory))
	}

	var searches, returned int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*), coalesce(sum(cardinality(registration_ids)), 0)
		FROM personal_data_reads WHERE organisation_id = $1 AND operation = 'personHistory'`, orgID(t, a, "history-host")).Scan(&searches, &returned); err != nil {
		t.Fatal(err)
	}
	if searches != 6 || returned != 10 {
		t.Errorf("on record for the host: %d searches returning %d registrations, want 6 and 10", searches, returned)
	}
}

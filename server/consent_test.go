package main

import "testing"

// Consent texts: an organisation publishes versioned texts, readable by anyone (the website
// shows the exact text); once it has one, a registration on its slots names one of its
// versions; a published version never changes.
func TestConsentTextsAreVersionedAndNamed(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	h := rulesNewHost(t, a, "consent-host")
	slot := h.slot(t, a, 5, nil)
	in := func(n int, version string) map[string]any {
		p := person(n)
		p["consentVersion"] = version
		return rulesIn(slot, n, map[string]any{"participant": p})
	}
	rulesBook(t, a, "", in(1, "n'importe laquelle"), "CONFIRMED") // no text published yet: as before

	publish := `mutation($in: PublishConsentTextInput!) { publishConsentText(input: $in) { consentText { version text publishedAt } userErrors { field code } } }`
	var out struct {
		PublishConsentText struct {
			ConsentText *struct{ Version, Text string }
			UserErrors  []userError
		}
	}
	text := "La Régie enregistre vos prénom, nom et téléphone pour vous inscrire et vous prévenir."
	at.query(h.Key, publish, map[string]any{"in": map[string]any{"version": "2026-12", "text": text}}, &out)
	if c := out.PublishConsentText.ConsentText; c == nil || c.Version != "2026-12" {
		t.Fatalf("publishConsentText: %+v", out.PublishConsentText)
	}
	out.PublishConsentText.ConsentText = nil
	at.query(h.Key, publish, map[string]any{"in": map[string]any{"version": "2026-12", "text": "Autre texte"}}, &out)
	rulesWantRefusal(t, "the same version again", out.PublishConsentText.UserErrors, "TAKEN", "input", "version")
	rulesWantError(t, a, "a key without CATALOGUE_WRITE", anotherKey(t, a, h.ID, "REGISTRATIONS_WRITE"), publish,
		map[string]any{"version": "2027-01", "text": "x"}, "FORBIDDEN")

	var public struct {
		Node struct {
			ConsentTexts []struct{ Version, Text string }
		}
	}
	at.query("", `query($id: ID!) { node(id: $id) { ... on Organisation { consentTexts { version text } } } }`, map[string]any{"id": h.ID}, &public)
	if ts := public.Node.ConsentTexts; len(ts) != 1 || ts[0].Version != "2026-12" || ts[0].Text != text {
		t.Errorf("the public reads the texts: %+v", ts)
	}

	refused := rulesRegister(t, a, "", in(2, "2026-11"))
	rulesWantRefusal(t, "a version the host never published", refused.UserErrors, "INVALID", "input", "participant", "consentVersion")
	rulesBook(t, a, "", in(3, "2026-12"), "CONFIRMED")
}

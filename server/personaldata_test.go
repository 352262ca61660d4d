package main

import (
	"context"
	"testing"
)

// The person's rights through the API: access to their data from their link or at the host's
// desk (recorded), and erasure, which frees their seats to come and leaves the relative who
// shares their phone untouched.
func TestPersonalDataAccessAndErasure(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	h := rulesNewHost(t, a, "rights-host")
	_, partnerKey := rulesPartner(t, a, "rights-partner")
	full := h.slot(t, a, 1, nil)
	other := h.slot(t, a, 5, map[string]any{"startsAt": "2032-06-08T14:00"})
	awa, token := rulesBook(t, a, "", rulesIn(full, 1, nil), "CONFIRMED")
	rulesBook(t, a, "", rulesIn(other, 1, nil), "CONFIRMED") // Awa again, another week
	son := person(1)
	son["firstName"] = "Issa"
	rulesBook(t, a, "", rulesIn(other, 1, map[string]any{"participant": son}), "CONFIRMED")
	waiting, _ := rulesBook(t, a, "", rulesIn(full, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")

	const dataDoc = `registrations { id status participant { firstName phone } } orientations { id } equipmentRequests { id } exportedAt`
	var mine struct {
		MyPersonalData *struct {
			Registrations []struct {
				ID          string
				Participant struct{ FirstName *string }
			}
			ExportedAt string
		}
	}
	at.query("", `query($t: String!) { myPersonalData(token: $t) { `+dataDoc+` } }`, map[string]any{"t": token}, &mine)
	if d := mine.MyPersonalData; d == nil || len(d.Registrations) != 2 || d.ExportedAt == "" || *d.Registrations[0].Participant.FirstName != "Awa" {
		t.Fatalf("her data from her link: %+v; want her two registrations, not her son's", d)
	}
	at.query("", `query($t: String!) { myPersonalData(token: $t) { exportedAt } }`, map[string]any{"t": "not-a-token"}, &mine)
	if mine.MyPersonalData != nil {
		t.Errorf("a wrong token: %+v, want null", mine.MyPersonalData)
	}

	// At the host's desk: the same data, and the read recorded; the partner gets nothing.
	var desk struct {
		PersonalData *struct{ Registrations []struct{ ID string } }
	}
	at.query(h.Key, `query($r: ID!) { personalData(registrationId: $r) { `+dataDoc+` } }`, map[string]any{"r": awa.ID}, &desk)
	if desk.PersonalData == nil || len(desk.PersonalData.Registrations) != 2 {
		t.Fatalf("at the host's desk: %+v", desk.PersonalData)
	}
	var reads int
	a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM personal_data_reads WHERE operation = 'personalData'`).Scan(&reads)
	if reads != 1 {
		t.Errorf("%d reads recorded, want 1", reads)
	}
	desk.PersonalData = nil
	at.query(partnerKey, `query($r: ID!) { personalData(registrationId: $r) { exportedAt } }`, map[string]any{"r": awa.ID}, &desk)
	if desk.PersonalData != nil {
		t.Errorf("another organisation reads her data: %+v", desk.PersonalData)
	}

	// She erases her data: her seats to come are cancelled (the waiting list moves), her person
	// removed; a retry answers the same; the link opens nothing; her son keeps his seat and name.
	eraseDoc := `mutation($t: String!) { eraseMyPersonalData(input: {token: $t}) { erasure { cancelledSeats registrations orientations equipmentRequests } userErrors { field code } } }`
	type erased struct {
		EraseMyPersonalData struct {
			Erasure    *struct{ CancelledSeats, Registrations int }
			UserErrors []userError
		}
	}
	var first, again erased
	for _, out := range []*erased{&first, &again} {
		if code, err := a.call("", "erase-awa-key-0001", eraseDoc, map[string]any{"t": token}, out); err != nil || code != "" {
			t.Fatalf("eraseMyPersonalData: %v %s", err, code)
		}
	}
	if e := first.EraseMyPersonalData.Erasure; e == nil || e.CancelledSeats != 2 || e.Registrations != 2 {
		t.Fatalf("erased: %+v %+v; want 2 seats cancelled and 2 registrations", first.EraseMyPersonalData.Erasure, first.EraseMyPersonalData.UserErrors)
	}
	if e := again.EraseMyPersonalData.Erasure; e == nil || *e != *first.EraseMyPersonalData.Erasure {
		t.Errorf("the retry: %+v, want the same answer", again.EraseMyPersonalData)
	}
	var later erased
	at.query("", eraseDoc, map[string]any{"t": token}, &later)
	rulesWantRefusal(t, "erased twice without the key", later.EraseMyPersonalData.UserErrors, "NOT_FOUND", "input", "token")
	var left struct {
		Names, Sons, Confirmed int
	}
	a.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE first_name = 'Awa' AND last_name = 'Diallo 1'), count(*) FILTER (WHERE first_name = 'Issa' AND status = 'CONFIRMED'),
		count(*) FILTER (WHERE id = $1 AND status = 'CONFIRMED') FROM registrations`, dbID(t, waiting.ID)).Scan(&left.Names, &left.Sons, &left.Confirmed)
	if left.Names != 0 || left.Sons != 1 || left.Confirmed != 1 {
		t.Errorf("after the erasure: %d registrations named Awa, %d of her son's, the waiting person confirmed %d; want 0, 1, 1", left.Names, left.Sons, left.Confirmed)
	}
}

package main

import (
	"testing"
)

func TestCatalogueWritesNeedCatalogueWriteOnTheObjectsOrganisation(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, hostKey := a.host("regie-stains")
	_, otherKey := a.host("emmaus-connect")
	sameOrg := catMutate(a, admin, catCreateAPIKey, map[string]any{"organisationId": hostID, "label": "Sans catalogue",
		"scopes": []string{"REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE", "REPORTS_READ", "KEYS_MANAGE"}})
	if sameOrg.Secret == nil {
		t.Fatalf("createApiKey: %+v", sameOrg.UserErrors)
	}
	venue := a.venue(hostKey, nil)
	workshop := a.workshop(hostKey, nil)
	slot := a.slot(hostKey, workshop, venue, "2032-11-09T14:00", nil)
	programme := catID(catWrite(a, hostKey, catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{workshop}, "status": "PUBLISHED"}))

	const (
		unauthenticated = "UNAUTHENTICATED"
		forbidden       = "FORBIDDEN"
		allowed         = "" // tested with the mutation's successes
	)
	// One row per mutation, with what each caller gets: anonymous, a key of the same
	// organisation without CATALOGUE_WRITE, a CATALOGUE_WRITE key of another organisation (on
	// this organisation's objects), and a network administrator key, which creates
	// organisations and keys but no catalogue.
	for _, m := range []struct {
		mutation, doc                       string
		in                                  map[string]any
		anonymous, sameOrg, otherOrg, admin string
	}{
		{"createOrganisation", catCreateOrganisation, map[string]any{"name": "Mairie", "slug": "mairie", "kind": "MAIRIE"},
			unauthenticated, forbidden, forbidden, allowed},
		{"updateOrganisation", catUpdateOrganisation, map[string]any{"id": hostID, "name": "Renamed"},
			unauthenticated, forbidden, forbidden, allowed},
		{"createVenue", catCreateVenue, map[string]any{"name": "Lieu", "streetAddress": "1 rue", "postalCode": "93240", "city": "Stains"},
			unauthenticated, forbidden, allowed, forbidden},
		{"updateVenue", catUpdateVenue, map[string]any{"id": venue, "name": "Renamed"},
			unauthenticated, forbidden, forbidden, forbidden},
		{"archiveVenue", catArchiveVenue, map[string]any{"id": venue},
			unauthenticated, forbidden, forbidden, forbidden},
		{"createWorkshop", catCreateWorkshop, map[string]any{"title": "Atelier", "topics": []string{"EMAIL"}, "durationMinutes": 60},
			unauthenticated, forbidden, allowed, forbidden},
		{"updateWorkshop", catUpdateWorkshop, map[string]any{"id": workshop, "status": "DRAFT"},
			unauthenticated, forbidden, forbidden, forbidden},
		{"archiveWorkshop", catArchiveWorkshop, map[string]any{"id": workshop},
			unauthenticated, forbidden, forbidden, forbidden},
		// Another organisation naming this one's workshops gets WRONG_ORGANISATION (see the input tests).
		{"createProgramme", catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{workshop}},
			unauthenticated, forbidden, allowed, forbidden},
		{"updateProgramme", catUpdateProgramme, map[string]any{"id": programme, "title": "Renamed"},
			unauthenticated, forbidden, forbidden, forbidden},
		{"archiveProgramme", catArchiveProgramme, map[string]any{"id": programme},
			unauthenticated, forbidden, forbidden, forbidden},
		{"scheduleSlot", catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": venue, "startsAt": "2032-11-16T14:00", "capacity": 8},
			unauthenticated, forbidden, forbidden, forbidden},
		{"scheduleSlotSeries", catScheduleSlotSeries, map[string]any{"workshopId": workshop, "venueId": venue,
			"firstStartsAt": "2032-11-23T14:00", "occurrences": 3, "capacity": 8},
			unauthenticated, forbidden, forbidden, forbidden},
		{"updateSlot", catUpdateSlot, map[string]any{"id": slot, "capacity": 12},
			unauthenticated, forbidden, forbidden, forbidden},
		{"cancelSlot", catCancelSlot, map[string]any{"id": slot, "reason": "Médiatrice absente"},
			unauthenticated, forbidden, forbidden, forbidden},
	} {
		for _, c := range []struct{ caller, key, want string }{
			{"anonymous", "", m.anonymous},
			{"same organisation without CATALOGUE_WRITE", *sameOrg.Secret, m.sameOrg},
			{"another organisation with CATALOGUE_WRITE", otherKey, m.otherOrg},
			{"network administrator", admin, m.admin},
		} {
			if c.want == allowed {
				continue
			}
			catChangesNothing(t, a, m.mutation+"/"+c.caller, func(t *testing.T, a *testAPI) {
				r := a.post(c.key, m.doc, map[string]any{"in": m.in})
				if len(r.Errors) == 0 || r.Errors[0].Code() != c.want {
					t.Errorf("got errors %+v data %s, want %s", r.Errors, r.Data, c.want)
				}
			})
		}
	}

	// A host cannot use another organisation's venue for its own slots either.
	otherVenue := a.venue(otherKey, nil)
	for name, call := range map[string]struct {
		doc string
		in  map[string]any
	}{
		"scheduleSlot at another organisation's venue": {catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": otherVenue,
			"startsAt": "2032-11-16T14:00", "capacity": 8}},
		"updateSlot to another organisation's venue": {catUpdateSlot, map[string]any{"id": slot, "venueId": otherVenue}},
	} {
		catChangesNothing(t, a, name, func(t *testing.T, a *testAPI) {
			if got := a.errorCode(hostKey, call.doc, map[string]any{"in": call.in}); got != forbidden {
				t.Errorf("got %s, want %s", got, forbidden)
			}
		})
	}
}

package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Rooms of a venue and the overlap rule, as a host's back-office meets them.

const catRoomFields = `id venue { id } name description isArchived`

var (
	catCreateRoom  = catDoc("createRoom", "CreateRoomInput", "room", catRoomFields)
	catUpdateRoom  = catDoc("updateRoom", "UpdateRoomInput", "room", catRoomFields)
	catArchiveRoom = catDoc("archiveRoom", "ArchiveInput", "room", catRoomFields)
	// What the overlap tests read of a slot.
	catSlotPlaceFields = `id startsAt room { id name } allowOverlap`
	catScheduleInRoom  = catDoc("scheduleSlot", "ScheduleSlotInput", "slot", catSlotPlaceFields)
	catUpdateInRoom    = catDoc("updateSlot", "UpdateSlotInput", "slot", catSlotPlaceFields)
)

// roomRefused checks that a payload holds exactly one userError, with code, and returns it.
func roomRefused(t *testing.T, what string, res catResult, code string) userError {
	t.Helper()
	if len(res.UserErrors) != 1 || res.UserErrors[0].Code != code {
		t.Fatalf("%s: got %+v, want one %s", what, res.UserErrors, code)
	}
	return res.UserErrors[0]
}

// A host gives its venue rooms, renames and archives them; everyone sees them on the venue.
func TestCatalogueRoomsOfAVenue(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	_, otherKey := a.host("ccas-stains")
	venue := a.venue(key, nil)

	info := catWrite(a, key, catCreateRoom, map[string]any{"venueId": venue, "name": " Salle informatique "})
	catHas(t, "created room", info, map[string]any{"venue": map[string]any{"id": venue}, "name": "Salle informatique",
		"description": "", "isArchived": false})
	atelier := catWrite(a, key, catCreateRoom, map[string]any{"venueId": venue, "name": "Atelier vélo"})
	updated := catWrite(a, key, catUpdateRoom, map[string]any{"id": catID(info), "description": "1er étage, 8 postes"})
	catHas(t, "updated room", updated, map[string]any{"name": "Salle informatique", "description": "1er étage, 8 postes"})

	roomRefused(t, "an empty name", catMutate(a, key, catCreateRoom, map[string]any{"venueId": venue, "name": " "}), "REQUIRED")
	if code, _ := a.call(otherKey, "", catCreateRoom, map[string]any{"in": map[string]any{"venueId": venue, "name": "X"}}, nil); code != "FORBIDDEN" {
		t.Errorf("another host adds a room to the venue: got %q, want FORBIDDEN", code)
	}
	if code, _ := a.call(otherKey, "", catArchiveRoom, map[string]any{"in": map[string]any{"id": catID(info)}}, nil); code != "FORBIDDEN" {
		t.Errorf("another host archives the room: got %q, want FORBIDDEN", code)
	}

	catWrite(a, key, catArchiveRoom, map[string]any{"id": catID(atelier)})
	var out struct {
		Node struct {
			Rooms, All []struct{ ID, Name string }
		}
	}
	a.query("", `query($id: ID!) { node(id: $id) { ... on Venue { rooms { id name } all: rooms(includeArchived: true) { id name } } } }`,
		map[string]any{"id": venue}, &out)
	if len(out.Node.Rooms) != 1 || out.Node.Rooms[0].ID != catID(info) || len(out.Node.All) != 2 {
		t.Errorf("the venue's rooms, anonymously: got %+v and with archived ones %+v", out.Node.Rooms, out.Node.All)
	}
	if got := catNode(a, "", catID(info), "Room", "name"); got["name"] != "Salle informatique" {
		t.Errorf("node(room) anonymously: got %v", got)
	}

	w := a.workshop(key, nil)
	other := a.venue(key, map[string]any{"name": "Autre lieu"})
	roomRefused(t, "a slot in an archived room", catMutate(a, key, catScheduleInRoom, map[string]any{"workshopId": w,
		"venueId": venue, "roomId": catID(atelier), "startsAt": "2032-03-02T14:00", "capacity": 8}), "ARCHIVED")
	roomRefused(t, "a slot in a room of another venue", catMutate(a, key, catScheduleInRoom, map[string]any{"workshopId": w,
		"venueId": other, "roomId": catID(info), "startsAt": "2032-03-02T14:00", "capacity": 8}), "NOT_FOUND")
}

// Two slots in one place at overlapping times are refused with OVERLAP naming the other slot,
// unless the host allows the overlap; another room is another place.
func TestCatalogueSlotsDoNotOverlapInOnePlace(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	venue, w := a.venue(key, nil), a.workshop(key, nil) // 2-hour workshop
	room := catID(catWrite(a, key, catCreateRoom, map[string]any{"venueId": venue, "name": "Salle 1"}))
	at := func(startsAt string, more map[string]any) map[string]any {
		return catMerge(map[string]any{"workshopId": w, "venueId": venue, "startsAt": startsAt, "capacity": 8}, more)
	}
	first := catWrite(a, key, catScheduleInRoom, at("2032-03-02T14:00", nil))

	ue := roomRefused(t, "an hour into another slot at the venue", catMutate(a, key, catScheduleInRoom, at("2032-03-02T15:00", nil)), "OVERLAP")
	if !strings.Contains(ue.Message, catID(first)) || strings.Join(ue.Field, ".") != "input.startsAt" {
		t.Errorf("the refusal: got %+v, want it on input.startsAt naming %s", ue, catID(first))
	}
	catWrite(a, key, catScheduleInRoom, at("2032-03-02T16:00", nil)) // right after
	inRoom := catWrite(a, key, catScheduleInRoom, at("2032-03-02T14:00", map[string]any{"roomId": room}))
	catHas(t, "the slot in the room", inRoom, map[string]any{"room": map[string]any{"id": room, "name": "Salle 1"}, "allowOverlap": false})
	ue = roomRefused(t, "a second slot in the room", catMutate(a, key, catScheduleInRoom,
		at("2032-03-02T13:00", map[string]any{"roomId": room})), "OVERLAP")
	if !strings.Contains(ue.Message, catID(inRoom)) {
		t.Errorf("the refusal in the room names %q, want %s", ue.Message, catID(inRoom))
	}
	allowed := catWrite(a, key, catScheduleInRoom, at("2032-03-02T15:00", map[string]any{"allowOverlap": true}))
	catHas(t, "an overlap allowed", catNode(a, key, catID(allowed), "Slot", catSlotPlaceFields), map[string]any{"allowOverlap": true, "room": nil})

	// Moving a slot onto another is refused; into the room, it is not; out of it, again refused.
	later := catWrite(a, key, catScheduleInRoom, at("2032-03-03T14:00", nil))
	roomRefused(t, "moved onto the first slot", catMutate(a, key, catUpdateInRoom,
		map[string]any{"id": catID(later), "startsAt": "2032-03-02T14:30"}), "OVERLAP")
	roomRefused(t, "moved into the room onto its slot", catMutate(a, key, catUpdateInRoom,
		map[string]any{"id": catID(later), "startsAt": "2032-03-02T14:30", "roomId": room}), "OVERLAP")
	moved := catWrite(a, key, catUpdateInRoom, map[string]any{"id": catID(later), "startsAt": "2032-03-02T10:00", "roomId": room})
	catHas(t, "moved into the room", moved, map[string]any{"room": map[string]any{"id": room}})
	roomRefused(t, "taken out of the room onto the venue's slot", catMutate(a, key, catUpdateInRoom,
		map[string]any{"id": catID(later), "startsAt": "2032-03-02T13:00", "roomId": ""}), "OVERLAP")
	catWrite(a, key, catUpdateInRoom, map[string]any{"id": catID(later), "startsAt": "2032-03-02T13:00", "roomId": "", "allowOverlap": true})

	// A series is all or nothing, and the refusal names the occurrence.
	res := catMutate(a, key, catScheduleSlotSeries, map[string]any{"workshopId": w, "venueId": venue,
		"firstStartsAt": "2032-02-24T14:30", "occurrences": 3, "capacity": 8})
	ue = roomRefused(t, "a series meeting the first slot in its second week", res, "OVERLAP")
	if !strings.Contains(ue.Message, "occurrence 2") || !strings.Contains(ue.Message, catID(first)) || len(res.Slots) != 0 {
		t.Errorf("the series refusal: got %+v and %d slots, want occurrence 2 naming %s and none", ue, len(res.Slots), catID(first))
	}
	var out struct {
		Slots struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.query(key, `query($v: ID!) { slots(filter: {venueIds: [$v], from: "2032-02-01T00:00:00+01:00"}, first: 50) { edges { node { id } } } }`,
		map[string]any{"v": venue}, &out)
	if len(out.Slots.Edges) != 5 {
		t.Errorf("slots at the venue after the refused series: %d, want 5", len(out.Slots.Edges))
	}
}

// Two hosts' tools scheduling the same room at the same time at once: exactly one wins, the
// other is told OVERLAP, round after round.
func TestCatalogueConcurrentSchedulesInOneRoomOneWins(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	venue, w := a.venue(key, nil), a.workshop(key, nil)
	room := catID(catWrite(a, key, catCreateRoom, map[string]any{"venueId": venue, "name": "Salle 1"}))
	for round := range 10 {
		in := map[string]any{"workshopId": w, "venueId": venue, "roomId": room, "capacity": 8,
			"startsAt": fmt.Sprintf("2032-03-%02dT14:00", 10+round)}
		var wg sync.WaitGroup
		results := make([]catResult, 2)
		for i := range results {
			wg.Go(func() {
				var out struct{ P catResult }
				code, err := a.call(key, "", catScheduleInRoom, map[string]any{"in": in}, &out)
				if code == "CONFLICT" {
					// On a loaded machine the loser may wait for the winner's lock past
					// lock_timeout: CONFLICT tells it to retry, as a client does, and then it
					// meets the winner's slot.
					out.P = catResult{}
					code, err = a.call(key, "", catScheduleInRoom, map[string]any{"in": in}, &out)
				}
				if err != nil || code != "" {
					t.Errorf("round %d: %v %s", round, err, code)
				}
				results[i] = out.P
			})
		}
		wg.Wait()
		won, overlap := 0, 0
		for _, r := range results {
			switch {
			case len(r.UserErrors) == 0 && r.O != nil:
				won++
			case len(r.UserErrors) == 1 && r.UserErrors[0].Code == "OVERLAP":
				overlap++
			}
		}
		if won != 1 || overlap != 1 {
			t.Fatalf("round %d: got %+v, want one slot and one OVERLAP", round, results)
		}
	}
}

package main

import (
	"context"
	"slices"
	"testing"
)

// The outbox: every change of a registration or slot writes an event row in the same
// transaction, with ids and no personal data; a refusal writes none.
func TestBookingRulesOutbox(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rulesRun(t, a, "the events of a registration's life, in order", "outbox-life", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		first, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		if full := rulesRegister(t, a, "", rulesIn(slot, 3, nil)); len(full.UserErrors) != 1 {
			t.Fatalf("third person: got %+v, want SLOT_FULL", full.UserErrors)
		}
		rulesMustCancel(t, a, "", map[string]any{"token": token})
		slotMoveToPast(t, a, slot)
		var out rulesRegPayload
		rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": second.ID, "attendance": "ABSENT"}, &out)
		if len(out.UserErrors) > 0 {
			t.Fatalf("markAttendance: %+v", out.UserErrors)
		}
		got := rulesEvents(t, a, slot, map[string]string{first.ID: "first", second.ID: "second"})
		want := []string{"REGISTERED first", "WAITLISTED second", "CANCELLED first", "PROMOTED second", "ATTENDANCE_MARKED second"}
		if !slices.Equal(got, want) {
			t.Errorf("events: got %q, want %q", got, want)
		}
	})

	rulesRun(t, a, "a cancelled slot: one event per registration, then the slot's", "outbox-slot", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		first, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		slotCancel(t, a.withT(t), h.Key, slot)
		got := rulesEvents(t, a, slot, map[string]string{first.ID: "first", second.ID: "second"})
		if len(got) != 5 {
			t.Fatalf("events: got %q, want 5", got)
		}
		cancels := slices.Clone(got[2:4])
		slices.Sort(cancels)
		if !slices.Equal(got[:2], []string{"REGISTERED first", "WAITLISTED second"}) ||
			!slices.Equal(cancels, []string{"CANCELLED first", "CANCELLED second"}) || got[4] != "SLOT_CANCELLED" {
			t.Errorf("events: got %q, want REGISTERED first, WAITLISTED second, CANCELLED of both, then SLOT_CANCELLED without a registration", got)
		}
	})

	rulesRun(t, a, "seats added: the slot's update, then each promotion", "outbox-capacity", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		first, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		var out rulesSlotPayload
		rulesDo(t, a, h.Key, rulesUpdateSlotDoc, map[string]any{"id": slot, "capacity": 2}, &out)
		got := rulesEvents(t, a, slot, map[string]string{first.ID: "first", second.ID: "second"})
		if want := []string{"REGISTERED first", "WAITLISTED second", "SLOT_UPDATED", "PROMOTED second"}; !slices.Equal(got, want) {
			t.Errorf("events: got %q, want %q", got, want)
		}
	})

	t.Run("events hold ids, no personal data", func(t *testing.T) {
		t.Parallel()
		rows, err := a.Pool.Query(context.Background(), `SELECT column_name FROM information_schema.columns
			WHERE table_name = 'booking_events' AND data_type NOT IN ('bigint', 'integer', 'timestamp with time zone')
			ORDER BY column_name`)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		// Both hold one of a few words their CHECK lists: what happened, and who cancelled.
		if !slices.Equal(cols, []string{"cause", "kind"}) {
			t.Errorf("booking_events columns that could hold text: got %q, want only cause and kind", cols)
		}
	})
}

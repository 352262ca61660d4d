package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Before the peer is measured, every availability search and slot fetch is sent to both
// servers and their answers compared slot by slot, field by field: the same slots in the same
// order, with the same values. A difference stops the bench: the comparison would not be of
// the same work.

// slotAnswer is a slot as either server answers it; the fields a document does not ask for
// stay nil. The peer's ids are its own global ids, its venue's accessibility a plain column.
type slotAnswer struct {
	ID                    string
	StartsAt, EndsAt      string
	Capacity              *int
	SeatsLeft             *int
	WaitlistLength        *int
	IsOpenForRegistration *bool
	Status                *string
	Workshop              *struct {
		Title           string
		Summary         *string
		Topics          []string
		DurationMinutes *int
		WhatToBring     []string
	}
	Venue *struct {
		Name, StreetAddress, PostalCode, City string
		Accessibility                         *struct{ WheelchairAccessible bool }
		WheelchairAccessible                  *bool
	}
}

// answer is either server's answer to either read: slots (a search) or node (a slot).
type answer struct {
	Data struct {
		Slots *struct {
			Edges    []struct{ Node slotAnswer }
			PageInfo struct{ HasNextPage bool }
		}
		Node *slotAnswer
	}
	Errors []struct{ Message string }
}

// apiSlotID decodes the API's global id, base64url of "Slot:123".
func apiSlotID(gid string) (int64, error) {
	b, err := b64.DecodeString(gid)
	if k, id, ok := strings.Cut(string(b), ":"); err == nil && ok && k == "Slot" {
		return strconv.ParseInt(id, 10, 64)
	}
	return 0, fmt.Errorf("not a slot id of the API: %q", gid)
}

// peerSlotID decodes PostGraphile's node id, base64 of the JSON ["Slot","123"].
func peerSlotID(gid string) (int64, error) {
	var v []string
	b, err := base64.StdEncoding.DecodeString(gid)
	if err == nil && json.Unmarshal(b, &v) == nil && len(v) == 2 && v[0] == "Slot" {
		return strconv.ParseInt(v[1], 10, 64)
	}
	return 0, fmt.Errorf("not a slot id of PostGraphile: %q", gid)
}

// field is one compared value, named as in the API's document.
type field struct{ name, value string }

// fields lists a slot's values in a form both servers' answers share: ids as database ids,
// times as instants.
func (s slotAnswer) fields(slotID func(string) (int64, error)) ([]field, error) {
	id, err := slotID(s.ID)
	if err != nil {
		return nil, err
	}
	var out []field
	add := func(name string, v any) { out = append(out, field{name, show(v)}) }
	add("id", id)
	for _, t := range []struct{ name, v string }{{"startsAt", s.StartsAt}, {"endsAt", s.EndsAt}} {
		at, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		add(t.name, at.UTC().Format(time.RFC3339Nano))
	}
	add("capacity", s.Capacity)
	add("seatsLeft", s.SeatsLeft)
	add("waitlistLength", s.WaitlistLength)
	add("isOpenForRegistration", s.IsOpenForRegistration)
	add("status", s.Status)
	if w := s.Workshop; w != nil {
		add("workshop.title", w.Title)
		add("workshop.summary", w.Summary)
		add("workshop.topics", w.Topics)
		add("workshop.durationMinutes", w.DurationMinutes)
		add("workshop.whatToBring", w.WhatToBring)
	} else {
		add("workshop", nil)
	}
	if v := s.Venue; v != nil {
		add("venue.name", v.Name)
		add("venue.streetAddress", v.StreetAddress)
		add("venue.postalCode", v.PostalCode)
		add("venue.city", v.City)
		wheelchair := v.WheelchairAccessible
		if v.Accessibility != nil {
			wheelchair = &v.Accessibility.WheelchairAccessible
		}
		add("venue.accessibility.wheelchairAccessible", wheelchair)
	} else {
		add("venue", nil)
	}
	return out, nil
}

// show formats a value for comparison: pointers followed, nil as "absent".
func show(v any) string {
	switch p := v.(type) {
	case *int:
		if p != nil {
			return strconv.Itoa(*p)
		}
	case *bool:
		if p != nil {
			return strconv.FormatBool(*p)
		}
	case *string:
		if p != nil {
			return strconv.Quote(*p)
		}
	case string:
		return strconv.Quote(p)
	case []string:
		return fmt.Sprintf("%q", p)
	case nil:
	default:
		return fmt.Sprint(p)
	}
	return "absent"
}

func decodeAnswer(body []byte) (answer, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return a, fmt.Errorf("bad JSON: %w", err)
	}
	if len(a.Errors) > 0 {
		return a, errors.New(a.Errors[0].Message)
	}
	return a, nil
}

// sameAnswers compares the API's answer to a read with the peer's; it returns how many slots
// it compared, or the first difference.
func sameAnswers(apiBody, peerBody []byte) (int, error) {
	a, err := decodeAnswer(apiBody)
	if err != nil {
		return 0, fmt.Errorf("API: %w", err)
	}
	p, err := decodeAnswer(peerBody)
	if err != nil {
		return 0, fmt.Errorf("peer: %w", err)
	}
	var as, ps []slotAnswer
	switch {
	case a.Data.Slots != nil && p.Data.Slots != nil:
		if a.Data.Slots.PageInfo.HasNextPage != p.Data.Slots.PageInfo.HasNextPage {
			return 0, fmt.Errorf("pageInfo.hasNextPage: API %v, peer %v", a.Data.Slots.PageInfo.HasNextPage, p.Data.Slots.PageInfo.HasNextPage)
		}
		for _, e := range a.Data.Slots.Edges {
			as = append(as, e.Node)
		}
		for _, e := range p.Data.Slots.Edges {
			ps = append(ps, e.Node)
		}
	case a.Data.Slots == nil && p.Data.Slots == nil:
		if a.Data.Node != nil {
			as = append(as, *a.Data.Node)
		}
		if p.Data.Node != nil {
			ps = append(ps, *p.Data.Node)
		}
	default:
		return 0, errors.New("one answer is a list, the other is not")
	}
	if len(as) != len(ps) {
		return 0, fmt.Errorf("%d slots from the API, %d from the peer", len(as), len(ps))
	}
	for i := range as {
		af, err := as[i].fields(apiSlotID)
		if err != nil {
			return i, fmt.Errorf("API slot %d: %w", i+1, err)
		}
		pf, err := ps[i].fields(peerSlotID)
		if err != nil {
			return i, fmt.Errorf("peer slot %d: %w", i+1, err)
		}
		for j := range af {
			if af[j] != pf[j] {
				return i, fmt.Errorf("slot %d of %d (API id %s, peer id %s): %s: API %s, peer %s",
					i+1, len(as), af[0].value, pf[0].value, af[j].name, af[j].value, pf[j].value)
			}
		}
	}
	return len(as), nil
}

// checkPeer sends each read's requests to the API and the peer, one at a time, and compares
// the answers; it returns how many slots it compared, by operation.
func checkPeer(ctx context.Context, a, peer *api, ops []*operation) (map[string]int, error) {
	compared := map[string]int{}
	for _, o := range ops {
		for i := range o.peer {
			ab, err := a.post(ctx, o.requests[i])
			if err != nil {
				return nil, fmt.Errorf("peer check, %s request %d, API: %w", o.name, i, err)
			}
			pb, err := peer.post(ctx, o.peer[i])
			if err != nil {
				return nil, fmt.Errorf("peer check, %s request %d, peer: %w", o.name, i, err)
			}
			n, err := sameAnswers(ab, pb)
			compared[o.name] += n
			if err != nil {
				var req struct{ Variables json.RawMessage }
				json.Unmarshal(o.requests[i].body, &req)
				return nil, fmt.Errorf("the peer's answer differs from the API's, %s request %d of %d (variables %s), after %d slots found equal: %w",
					o.name, i+1, len(o.peer), oneLine(string(req.Variables), 400), compared[o.name], err)
			}
		}
	}
	return compared, nil
}

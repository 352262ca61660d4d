package main

import (
	"context"
	"slices"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// The audit: every mutation that succeeded is recorded with its key and the ids it named, never
// a value; an organisation's administrators read their keys' changes and reads of personal
// data, a network administrator every change; nobody can change or delete an entry.
func TestAuditLogRecordsChangesAndReads(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	h := rulesNewHost(t, a, "audit-host")
	admin := anotherKey(t, a, h.ID, db.ScopeKeysManage)
	_, otherAdmin := at.org("audit-other", "KEYS_MANAGE")
	slot := h.slot(t, a, 5, nil)
	reg, _ := rulesBook(t, a, h.Key, rulesIn(slot, 1, nil), "CONFIRMED")
	refused := rulesRegister(t, a, h.Key, rulesIn("U2xvdDo5OTk5OQ", 2, nil)) // no such slot: changed nothing
	if len(refused.UserErrors) == 0 {
		t.Fatalf("a registration on no slot: %+v", refused)
	}
	var history struct{ PersonHistory []struct{ ID string } }
	at.query(h.Key, `{ personHistory(name: "Awa Diallo 1") { id } }`, nil, &history)

	var log struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Operation string
					APIKeyID  *string  `json:"apiKeyId"`
					ObjectIDs []string `json:"objectIds"`
				}
			}
		}
	}
	at.query(admin, `{ auditLog(first: 100) { edges { node { operation apiKeyId objectIds organisation { id } } } } }`, nil, &log)
	var register []string
	ops := map[string]int{}
	for _, e := range log.AuditLog.Edges {
		ops[e.Node.Operation]++
		if e.Node.Operation == "register" {
			register = e.Node.ObjectIDs
		}
	}
	if ops["register"] != 1 || ops["scheduleSlot"] != 1 || !slices.Contains(register, slot) || !slices.Contains(register, reg.ID) {
		t.Errorf("the host's audit log: %v, register naming %v; want one register (the refused one not recorded) naming the slot and the registration", ops, register)
	}
	for _, e := range log.AuditLog.Edges {
		for _, id := range e.Node.ObjectIDs {
			if len(id) > 40 {
				t.Errorf("an audit entry holds %q: only ids are recorded", id)
			}
		}
	}
	var theirs struct{ AuditLog struct{ Edges []struct{} } }
	at.query(otherAdmin, `{ auditLog { edges { node { operation } } } }`, nil, &theirs)
	if len(theirs.AuditLog.Edges) != 0 {
		t.Errorf("another organisation's administrator reads %d entries, want none of the host's", len(theirs.AuditLog.Edges))
	}
	rulesWantError(t, a, "a key without KEYS_MANAGE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead), `query($in: Int) { auditLog(first: $in) { edges { node { operation } } } }`, nil, "FORBIDDEN")

	var reads struct {
		PersonalDataReads struct {
			Edges []struct {
				Node struct {
					Operation       string
					RegistrationIDs []string `json:"registrationIds"`
				}
			}
		}
	}
	var listed struct {
		Node struct{ Registrations struct{ Edges []struct{} } }
	}
	at.query(h.Key, `query($s: ID!) { node(id: $s) { ... on Slot { registrations { edges { node { participant { phone } } } } } } }`,
		map[string]any{"s": slot}, &listed)
	at.query(admin, `{ personalDataReads(first: 100) { edges { node { operation registrationIds apiKeyId at } } } }`, nil, &reads)
	byOp := map[string][]string{}
	for _, e := range reads.PersonalDataReads.Edges {
		byOp[e.Node.Operation] = append(byOp[e.Node.Operation], e.Node.RegistrationIDs...)
	}
	if !slices.Contains(byOp["personHistory"], reg.ID) || !slices.Contains(byOp["query node"], reg.ID) {
		t.Errorf("the reads of personal data: %v; want the history search and the slot's list, each naming the registration", byOp)
	}
	// Append-only: neither an update nor a delete gets through.
	for _, sql := range []string{`UPDATE audit_log SET operation = 'rien'`, `DELETE FROM audit_log`} {
		if _, err := a.Pool.Exec(context.Background(), sql); err == nil {
			t.Errorf("%s: accepted, want refused", sql)
		}
	}
}

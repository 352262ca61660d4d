package graph

import "testing"

// Every mutation input with an idempotency key is hashed without it, whichever input it is.
func TestWithoutKeyClearsEveryInputsKey(t *testing.T) {
	key := "5f0c3a9e-website-retry-1"
	if in := withoutKey(RegisterInput{SlotID: "s", IdempotencyKey: &key}); in.IdempotencyKey != nil || in.SlotID != "s" {
		t.Errorf("RegisterInput: got %+v", in)
	}
	if in := withoutKey(EnrolInput{ProgrammeID: "p", IdempotencyKey: &key}); in.IdempotencyKey != nil || in.ProgrammeID != "p" {
		t.Errorf("EnrolInput: got %+v", in)
	}
	if in := withoutKey(CancelRegistrationInput{Token: &key, IdempotencyKey: &key}); in.IdempotencyKey != nil || in.Token == nil {
		t.Errorf("CancelRegistrationInput: got %+v", in)
	}
	if in := withoutKey(MarkAttendanceInput{ID: "r"}); in.ID != "r" {
		t.Errorf("an input without a key: got %+v", in)
	}
}

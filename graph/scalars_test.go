package graph

import (
	"strings"
	"testing"
	"time"
)

func TestPhoneNumbersAreStoredInE164(t *testing.T) {
	for in, want := range map[string]string{
		"06 12 34 56 78":     "+33612345678",
		"06.12.34.56.78":     "+33612345678",
		"0148000000":         "+33148000000",
		"+33 6 12 34 56 78":  "+33612345678",
		"+32 470 12 34 56":   "+32470123456",
		"(06) 12-34-56-78":   "+33612345678",
		"0033 6 12 34 56 78": "+33612345678",
		"06 39 98 00 42":     "+33639980042", // ARCEP's fiction range, used by the sample data
	} {
		got, err := UnmarshalPhoneNumber(in)
		if err != nil || got != want {
			t.Errorf("UnmarshalPhoneNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Only what a person types: letters are not read as keypad digits, an extension is not
	// dropped, a tel: URI or full-width digits are not taken.
	for _, bad := range []any{"12345", "06 12 34", "hello", "", 612345678, "+33 6 12 34 56 78 90 12 34 56 78 90 12",
		"7731-phone", "06 12 34 56 78 ext 5", "06 12 34 56 78 x5", "tel:+33612345678", "０６１２３４５６７８",
		"06 12 34 56 78\x00", "++33612345678", "06 39 98 00 4", "06 39 98 00 423"} {
		if got, err := UnmarshalPhoneNumber(bad); err == nil {
			t.Errorf("UnmarshalPhoneNumber(%v) = %q; want an error", bad, got)
		}
	}
}

func TestEmailPostalCodeAndURLScalars(t *testing.T) {
	if _, err := UnmarshalEmail("contact@regie-stains.fr"); err != nil {
		t.Errorf("valid email refused: %v", err)
	}
	for _, bad := range []any{"not-an-email", "Name <a@b.fr>", "", 3, "a@b", "a@b.", "a@.fr", "a@[192.168.0.1]"} {
		if _, err := UnmarshalEmail(bad); err == nil {
			t.Errorf("UnmarshalEmail(%v) accepted", bad)
		}
	}
	for _, bad := range []any{"9324", "932400", "9324a", 93240} {
		if _, err := UnmarshalPostalCode(bad); err == nil {
			t.Errorf("UnmarshalPostalCode(%v) accepted", bad)
		}
	}
	for _, bad := range []any{"ftp://x", "lesbonsclics.fr", "https://", "javascript:alert(1)"} {
		if _, err := UnmarshalURL(bad); err == nil {
			t.Errorf("UnmarshalURL(%v) accepted", bad)
		}
	}
}

func TestLocalDateTimeKeepsTheWallClockAcrossDST(t *testing.T) {
	var l LocalDateTime
	if err := l.UnmarshalGQL("2027-03-23T14:00"); err != nil {
		t.Fatal(err)
	}
	before, ok1 := l.In(0) // a Tuesday in winter time
	after, ok2 := l.In(7)  // the Tuesday after clocks went forward (2027-03-28)
	if !ok1 || !ok2 {
		t.Fatal("14:00 exists on both days")
	}
	if got := before.Format(time.RFC3339); got != "2027-03-23T14:00:00+01:00" {
		t.Errorf("before = %s, want 2027-03-23T14:00:00+01:00", got)
	}
	if got := after.Format(time.RFC3339); got != "2027-03-30T14:00:00+02:00" {
		t.Errorf("after = %s, want 2027-03-30T14:00:00+02:00", got)
	}
	if err := l.UnmarshalGQL("2027-03-28T02:30"); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.In(0); ok {
		t.Error("2027-03-28T02:30 exists in Paris; want it refused (clocks jump from 02:00 to 03:00)")
	}
	for _, bad := range []any{"2027-03-23T14:00+01:00", "2027-03-23", "23/03/2027 14:00", 12} {
		if err := l.UnmarshalGQL(bad); err == nil {
			t.Errorf("UnmarshalGQL(%v) accepted", bad)
		}
	}
}

// FuzzPhoneNumber: any string is refused with a fixed message that quotes nothing of it, or
// accepted as E.164 that is itself accepted unchanged; never a panic.
func FuzzPhoneNumber(f *testing.F) {
	for _, s := range []string{
		"06 12 34 56 78", "06.12.34.56.78", "0148000000", "+33 6 12 34 56 78", "+32 470 12 34 56", "0033612345678",
		"+262 692 12 34 56", "0692 12 34 56", "+1 (201) 555-0123", "+800 1234 5678", "06 12 34 56 78 ext. 12",
		"tel:+33-6-12-34-56-78", "+33612345678;ext=1", "０６１２３４５６７８", "٠٦١٢٣٤٥٦٧٨", "06 12 34 56 78\x00",
		"12345", "hello", "", "+", "*#06#", "+33 6 12 34 56 78 90 12 34 56 78 90 12", "999999999999999999999999999999",
	} {
		f.Add(s)
	}
	refusals := map[string]bool{
		"PhoneNumber must be a string like +33612345678 or 06 12 34 56 78":      true,
		"PhoneNumber is not a valid number: use +33612345678 or 06 12 34 56 78": true,
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := UnmarshalPhoneNumber(s)
		if err != nil {
			// A refusal is one of two fixed messages: nothing from the input.
			if !refusals[err.Error()] {
				t.Errorf("UnmarshalPhoneNumber(%q): error %q is not one of the fixed refusals", s, err)
			}
			return
		}
		// E.164 as every phone column's CHECK has it: + and 7 to 15 digits, no leading 0.
		if len(got) < 8 || len(got) > 16 || got[0] != '+' || got[1] == '0' || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("UnmarshalPhoneNumber(%q) = %q, not E.164 of 7 to 15 digits", s, got)
		}
		again, err := UnmarshalPhoneNumber(got)
		if err != nil || again != got {
			t.Errorf("UnmarshalPhoneNumber(%q) = %q, which gives %q, %v: want it accepted as it is", s, got, again, err)
		}
	})
}

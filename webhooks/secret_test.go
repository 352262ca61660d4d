package webhooks

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// With a key, a secret is stored sealed and opens to the key the organisation was shown;
// without one, it is stored as it is; a sealed secret never opens without the right key.
func TestTheVaultKeepsSecretsSealed(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	v, err := NewVault(key)
	if err != nil {
		t.Fatal(err)
	}
	stored, shown := v.NewSecret()
	want, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(shown, "whsec_"))
	if bytes.Contains(stored, want) {
		t.Fatal("the stored secret holds the key in clear")
	}
	if got, err := v.Open(stored); err != nil || !bytes.Equal(got, want) {
		t.Errorf("open: %x, %v; want the key shown", got, err)
	}
	other, _ := NewVault(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(stored); err == nil {
		t.Error("a sealed secret opened with another key")
	}
	plain, _ := NewVault(nil)
	if _, err := plain.Open(stored); err == nil {
		t.Error("a sealed secret opened without a key")
	}
	raw, _ := plain.NewSecret()
	if got, err := v.Open(raw); err != nil || !bytes.Equal(got, raw) {
		t.Errorf("a secret kept as it was before the key: %x, %v", got, err)
	}
	if _, err := NewVault([]byte("short")); err == nil {
		t.Error("a key of 5 bytes was taken")
	}
}

package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// A Vault keeps endpoints' signing secrets at rest. Unlike API keys, they cannot be stored as
// hashes: signing needs the key itself. With a key of its own (WEBHOOK_SECRETS_KEY), the vault
// seals each secret with AES-256-GCM, so that a copy of the database (a dump, a replica, a
// backup) does not let anyone sign messages in a partner's name; without one, secrets are
// kept as they are, and the server says so when it starts.
type Vault struct {
	aead cipher.AEAD // nil: secrets kept as they are
}

// sealed marks a sealed secret: a version byte, then the nonce and the ciphertext. A secret
// kept as it is has 32 bytes, never this length.
const sealed = 1

// secretBytes is the size of a secret: 256 random bits.
const secretBytes = 32

// NewVault returns a vault sealing with key (32 bytes), or keeping secrets as they are when
// key is empty.
func NewVault(key []byte) (*Vault, error) {
	if len(key) == 0 {
		return &Vault{}, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("the key of webhook secrets must have 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Vault{aead: aead}, nil
}

// Seals reports whether the vault seals secrets (it has a key).
func (v *Vault) Seals() bool { return v.aead != nil }

// NewSecret returns a new secret as it is stored, and as the organisation receives it, once:
// whsec_ and the key in base64, the spelling of the Standard Webhooks libraries.
func (v *Vault) NewSecret() (stored []byte, shown string) {
	key := make([]byte, secretBytes)
	rand.Read(key)
	shown = "whsec_" + base64.StdEncoding.EncodeToString(key)
	if v.aead == nil {
		return key, shown
	}
	nonce := make([]byte, v.aead.NonceSize())
	rand.Read(nonce)
	stored = append([]byte{sealed}, nonce...)
	return v.aead.Seal(stored, nonce, key, nil), shown
}

// Open returns the key of a stored secret.
func (v *Vault) Open(stored []byte) ([]byte, error) {
	if len(stored) == secretBytes {
		return stored, nil // kept as it is, before the vault had a key
	}
	if v.aead == nil {
		return nil, errors.New("the endpoint's secret is sealed and WEBHOOK_SECRETS_KEY is not set")
	}
	n := v.aead.NonceSize()
	if len(stored) < 1+n || stored[0] != sealed {
		return nil, errors.New("the endpoint's secret is not one this server wrote")
	}
	key, err := v.aead.Open(nil, stored[1:1+n], stored[1+n:], nil)
	if err != nil {
		return nil, errors.New("the endpoint's secret does not open with WEBHOOK_SECRETS_KEY (was the key changed?)")
	}
	return key, nil
}

// Endpoints is what the API needs to register endpoints: where they may point, and how their
// secrets are kept.
type Endpoints struct {
	Policy Policy
	Vault  *Vault
}

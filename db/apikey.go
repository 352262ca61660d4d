package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// APIKey is a key callers authenticate with. Its secret is never stored, only its SHA-256.
type APIKey struct {
	ID             int64
	OrganisationID *int64
	Label          string
	Prefix         string
	Scopes         []Scope
	IsNetworkAdmin bool
	CreatedAt      time.Time
	LastUsedAt     *time.Time
	RevokedAt      *time.Time
}

const apiKeyColumns = `id, organisation_id, label, prefix, scopes, is_network_admin, created_at, last_used_at, revoked_at`

func scanAPIKey(row pgx.CollectableRow) (APIKey, error) {
	var k APIKey
	err := row.Scan(&k.ID, &k.OrganisationID, &k.Label, &k.Prefix, &k.Scopes, &k.IsNetworkAdmin,
		&k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
	return k, err
}

// secretPrefix marks our secrets so that leaked ones are easy to spot (secret scanners).
const secretPrefix = "ateliers_"

// newSecret returns a random secret with 256 bits of entropy and its hash.
func newSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it panics rather than return an error)
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

// hashSecret is how API keys and management tokens are stored and looked up: SHA-256 of the
// secret (256 random bits, so no salt or slow hash is needed). Looking a secret up by its hash
// is what keeps the check constant-time in effect: the index compares hashes, and how long it
// takes tells at most how many leading bytes of a hash matched, which brings an attacker no
// closer to a secret with that hash.
func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// NewAPIKey describes a key to create. OrganisationID nil with NetworkAdmin true makes a
// network administrator key.
type NewAPIKey struct {
	OrganisationID *int64
	Label          string
	Scopes         []Scope
	NetworkAdmin   bool
}

// CreateAPIKey stores a new key and returns it with its secret, which exists nowhere else.
func CreateAPIKey(ctx context.Context, q Querier, k NewAPIKey) (APIKey, string, error) {
	secret, hash := newSecret()
	return createAPIKeyWithSecret(ctx, q, k, secret, hash)
}

// CreateAPIKeyWithSecret stores a key whose secret the caller chose. Only the demo data uses
// it, so that the sample keys printed in the README work on every fresh install.
func CreateAPIKeyWithSecret(ctx context.Context, q Querier, k NewAPIKey, secret string) (APIKey, error) {
	key, _, err := createAPIKeyWithSecret(ctx, q, k, secret, hashSecret(secret))
	return key, err
}

func createAPIKeyWithSecret(ctx context.Context, q Querier, k NewAPIKey, secret string, hash []byte) (APIKey, string, error) {
	if k.Scopes == nil {
		k.Scopes = []Scope{}
	}
	rows, _ := q.Query(ctx, `
		INSERT INTO api_keys (organisation_id, label, prefix, secret_hash, scopes, is_network_admin)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+apiKeyColumns,
		k.OrganisationID, k.Label, secret[:len(secretPrefix)+6], hash, k.Scopes, k.NetworkAdmin)
	key, err := pgx.CollectExactlyOneRow(rows, scanAPIKey)
	if err != nil {
		return APIKey{}, "", fmt.Errorf("create api key: %w", err)
	}
	return key, secret, nil
}

// CallerByKey resolves an API key secret into the Caller it authenticates, or ErrNotFound when
// the key is unknown or revoked. It records the last use, to the minute, so that a busy key
// does not turn every read into a write.
func CallerByKey(ctx context.Context, q Querier, secret string) (Caller, error) {
	var c Caller
	var orgID *int64
	var lastUsed *time.Time
	err := q.QueryRow(ctx, `
		SELECT id, organisation_id, scopes, is_network_admin, last_used_at
		FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL`,
		hashSecret(secret)).Scan(&c.KeyID, &orgID, &c.Scopes, &c.NetworkAdmin, &lastUsed)
	if err != nil {
		return Caller{}, notFound(err, "api key")
	}
	if orgID != nil {
		c.OrganisationID = *orgID
	}
	if lastUsed == nil || time.Since(*lastUsed) > time.Minute {
		// Best effort: a busy key must not be refused because its last use was not written.
		// The guard makes concurrent requests of the same minute write once.
		if _, err := q.Exec(ctx, `UPDATE api_keys SET last_used_at = now() WHERE id = $1
			AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, c.KeyID); err != nil {
			slog.WarnContext(ctx, "record api key use", "key_id", c.KeyID, "err", err)
		}
	}
	return c, nil
}

// APIKeyByID returns one key by id.
func APIKeyByID(ctx context.Context, q Querier, id int64) (APIKey, error) {
	return queryOne(ctx, q, fmt.Sprintf("api key %d", id), scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
}

// APIKeys lists the keys of an organisation (or the administrator keys when orgID is 0),
// newest first. The cursor key is unused: ids grow with time.
func APIKeys(ctx context.Context, q Querier, orgID int64, p Page) ([]APIKey, error) {
	_, afterID := p.after()
	rows, _ := q.Query(ctx, `
		SELECT `+apiKeyColumns+` FROM api_keys
		WHERE organisation_id IS NOT DISTINCT FROM NULLIF($1, 0::bigint)
		  AND ($2 = 0 OR id < $2)
		ORDER BY id DESC LIMIT $3`, orgID, afterID, p.limit())
	keys, err := pgx.CollectRows(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// RevokeAPIKey revokes a key at once; revoking twice keeps the first revocation time.
func RevokeAPIKey(ctx context.Context, q Querier, id int64) (APIKey, error) {
	rows, _ := q.Query(ctx, `
		UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
		RETURNING `+apiKeyColumns, id)
	k, err := pgx.CollectExactlyOneRow(rows, scanAPIKey)
	if err != nil {
		return APIKey{}, notFound(err, fmt.Sprintf("revoke api key %d", id))
	}
	return k, nil
}

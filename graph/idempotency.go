package graph

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"

	"github.com/regiestains/ateliers/db"
)

// Bounds of an idempotency key: long enough to be random (a UUID has 36 characters), short
// enough to store.
const (
	minIdempotencyKey = 16
	maxIdempotencyKey = 255
)

// WithIdempotencyKey returns a context carrying the request's Idempotency-Key header.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyKey, key)
}

// idempotent runs a mutation at most once per idempotency key: the first call runs it and
// stores its response in the same transaction; a replay gets the stored response and runs
// nothing; the same key with another request is refused; a key in flight answers a retryable
// conflict. Without a key, it just runs the mutation.
//
// Keys are scoped to the operation and the caller's API key; anonymous callers (the public
// website) share one scope, since a phone switching from Wi-Fi to 4G changes address between a
// request and its retry. Sharing is safe: a replay needs the same key and the same request,
// person included. Input is the request without its key (header or field, the same request).
// The database holds only a hash of the scoped key, and the response sealed with a key derived
// from it: the management tokens inside are readable only by whoever holds the idempotency key.
func idempotent[T any](ctx context.Context, pool db.Querier, op string, inputKey *string, input any, run func(db.Querier) (*T, []UserError, error)) (*T, []UserError, error) {
	key := idempotencyKey(ctx, inputKey)
	if key == "" {
		return run(pool)
	}
	if len(key) < minIdempotencyKey || len(key) > maxIdempotencyKey {
		return nil, nil, errBadInput("an idempotency key has 16 to 255 characters: use a random UUID per operation")
	}
	keyHash, sealKey := idempotencyHashes(ctx, op, key)
	request, err := json.Marshal(input)
	if err != nil {
		return nil, nil, err
	}
	requestHash := sha256.Sum256(request)

	var payload *T
	var problems []UserError
	answer, replayed, err := db.Once(ctx, pool, keyHash[:], requestHash[:], func(q db.Querier) ([]byte, error) {
		var err error
		if payload, problems, err = run(q); err != nil || len(problems) > 0 {
			return nil, err // a refusal is not kept: the client fixes its input, or tries again later
		}
		return seal(sealKey[:], stored[T]{payload, problems})
	})
	switch {
	case errors.Is(err, db.ErrKeyReused):
		return nil, []UserError{{Field: []string{"input", "idempotencyKey"}, Code: UserErrorCodeIdempotencyKeyReused,
			Message: "this idempotency key was already used with a different request: use a new key"}}, nil
	case errors.Is(err, db.ErrInFlight):
		return nil, nil, errConflict("a request with this idempotency key is still being processed: retry in a moment")
	case err != nil:
		return nil, nil, err
	case replayed:
		return unseal[T](sealKey[:], answer)
	}
	return payload, problems, nil
}

// idempotencyKey is the key of a mutation: its input's, or else the Idempotency-Key header's.
func idempotencyKey(ctx context.Context, inputKey *string) string {
	if key := deref(inputKey); key != "" {
		return key
	}
	key, _ := ctx.Value(idempotencyKeyKey).(string)
	return key
}

// idempotencyHashes derive from a key, scoped to the operation and the caller, the hash it is
// stored under and the key its response is sealed with.
func idempotencyHashes(ctx context.Context, op, key string) (keyHash, sealKey [32]byte) {
	scoped := op + "|" + callerScope(ctx) + "|" + key
	return sha256.Sum256([]byte("id|" + scoped)), sha256.Sum256([]byte("seal|" + scoped))
}

// replays returns, of the registering fields of an operation, those whose idempotency key
// already holds an answer: they will replay it, or refuse a different request with
// IDEMPOTENCY_KEY_REUSED, and register no one either way.
func replays(ctx context.Context, q db.Querier, fields []registeringField) (map[int]bool, error) {
	byHash := map[[32]byte][]int{} // aliases may share a key (the header's)
	var hashes [][]byte
	for i, f := range fields {
		if key := idempotencyKey(ctx, f.key); len(key) >= minIdempotencyKey && len(key) <= maxIdempotencyKey {
			h, _ := idempotencyHashes(ctx, f.op, key)
			byHash[h] = append(byHash[h], i)
			hashes = append(hashes, h[:])
		}
	}
	if len(hashes) == 0 {
		return nil, nil
	}
	stored, err := db.StoredKeys(ctx, q, hashes)
	if err != nil {
		return nil, err
	}
	out := map[int]bool{}
	for _, h := range stored {
		for _, i := range byHash[[32]byte(h)] {
			out[i] = true
		}
	}
	return out, nil
}

// callerScope names whose idempotency keys these are.
func callerScope(ctx context.Context) string {
	if c := callerFrom(ctx); !c.Anonymous() {
		return "key:" + strconv.FormatInt(c.KeyID, 10)
	}
	return "anonymous"
}

// stored is what a replay returns: the payload and the refusals, as the first call answered.
type stored[T any] struct {
	Payload  *T
	Problems []UserError
}

func seal(key []byte, v any) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

func unseal[T any](key, sealed []byte) (*T, []UserError, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, nil, errors.New("sealed response too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return nil, nil, err
	}
	var s stored[T]
	err = json.Unmarshal(plain, &s)
	return s.Payload, s.Problems, err
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// withoutKey returns a mutation input without its idempotency key, as it is hashed: a key sent
// in the header first and in the input on a retry is the same request. Any input with an
// IdempotencyKey field qualifies, so that a new idempotent mutation needs no entry here.
func withoutKey[T any](in T) T {
	if f := reflect.ValueOf(&in).Elem().FieldByName("IdempotencyKey"); f.IsValid() && f.CanSet() {
		f.SetZero()
	}
	return in
}

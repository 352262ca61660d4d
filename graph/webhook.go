package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// ownEndpoint returns the endpoint of global id gid if the caller manages it: a key of its
// organisation with WEBHOOKS_MANAGE. Another organisation's endpoint is "not found", as if it
// did not exist.
func (r *Resolver) ownEndpoint(ctx context.Context, p *problems, field, gid string) (db.WebhookEndpoint, bool, error) {
	orgID, err := requireOwnScope(callerFrom(ctx), db.ScopeWebhooksManage)
	if err != nil {
		return db.WebhookEndpoint{}, false, err
	}
	id, err := idOf(kindWebhook, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a webhook endpoint id", field)
		return db.WebhookEndpoint{}, false, nil
	}
	e, err := db.WebhookEndpointByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || err == nil && e.OrganisationID != orgID {
		p.add(UserErrorCodeNotFound, field, "no webhook endpoint with this id in your organisation")
		return db.WebhookEndpoint{}, false, nil
	}
	return e, err == nil, err
}

// canManageEndpoint reports whether the caller may see endpoint e and its messages.
func canManageEndpoint(c db.Caller, e db.WebhookEndpoint) bool {
	return c.MemberOf(e.OrganisationID) && c.Has(db.ScopeWebhooksManage)
}

// endpointURL checks an endpoint's URL (webhooks.Policy) and returns it trimmed.
func (r *Resolver) endpointURL(ctx context.Context, p *problems, raw string) string {
	u := strings.TrimSpace(raw)
	if u == "" {
		p.add(UserErrorCodeRequired, "url", "url is required")
	} else if err := r.Webhooks.Policy.CheckURL(ctx, u); err != nil {
		p.add(UserErrorCodeInvalid, "url", "url: %s", err.Error())
	}
	return u
}

// eventTypes checks the types an endpoint subscribes to and returns them sorted, once each.
func eventTypes(p *problems, types []db.WebhookEventType) []db.WebhookEventType {
	if len(types) == 0 {
		p.add(UserErrorCodeRequired, "eventTypes", "eventTypes needs at least one type")
	}
	if slices.Contains(types, db.WebhookPing) {
		p.add(UserErrorCodeInvalid, "eventTypes", "WEBHOOK_PING cannot be subscribed to: pingWebhookEndpoint sends it to any endpoint")
	}
	return slices.Compact(slices.Sorted(slices.Values(types)))
}

func webhookEndpointCursor(e db.WebhookEndpoint) db.Cursor { return db.Cursor{ID: e.ID} }
func webhookMessageCursor(m db.WebhookMessage) db.Cursor   { return db.Cursor{ID: m.ID} }

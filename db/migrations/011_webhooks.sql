-- Webhooks: an organisation's systems are told of booking events as they happen (Standard
-- Webhooks: signed HTTP POSTs), rather than polling.

ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (scopes <@ ARRAY['CATALOGUE_WRITE',
    'REGISTRATIONS_WRITE', 'REGISTRATIONS_READ', 'ATTENDANCE_WRITE', 'REPORTS_READ', 'KEYS_MANAGE',
    'WEBHOOKS_MANAGE']);

-- An endpoint receives the events of the types it asked for, about its organisation's slots and
-- about the registrations its organisation referred. The signing secret must be kept as is (an
-- HMAC needs it to sign), unlike API keys, which are kept as hashes; the API shows it once.
-- During a rotation the previous secret signs too, until previous_secret_until.
CREATE TABLE webhook_endpoints (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id       bigint NOT NULL REFERENCES organisations (id),
    url                   text NOT NULL CONSTRAINT webhook_endpoints_url_length CHECK (length(url) BETWEEN 1 AND 2000),
    description           text NOT NULL DEFAULT '' CONSTRAINT webhook_endpoints_description_length CHECK (length(description) <= 500),
    -- Types as the API spells them (REGISTRATION_CREATED); receivers read registration.created.
    -- WEBHOOK_PING is sent on request to any endpoint, never subscribed to.
    event_types           text[] NOT NULL CONSTRAINT webhook_endpoints_event_types CHECK (cardinality(event_types) > 0
                              AND event_types <@ ARRAY['REGISTRATION_CREATED', 'REGISTRATION_CONFIRMED',
                              'REGISTRATION_WAITLISTED', 'REGISTRATION_PROMOTED', 'REGISTRATION_CANCELLED',
                              'ATTENDANCE_MARKED', 'SLOT_CHANGED', 'SLOT_CANCELLED', 'SLOT_SEATS_CHANGED', 'WEBHOOK_PING']
                              AND NOT 'WEBHOOK_PING' = ANY (event_types)),
    status                text NOT NULL DEFAULT 'ENABLED' CONSTRAINT webhook_endpoints_status CHECK (status IN ('ENABLED', 'DISABLED')),
    disabled_reason       text CONSTRAINT webhook_endpoints_disabled_reason_length CHECK (length(disabled_reason) <= 500),
    disabled_at           timestamptz,
    secret                bytea NOT NULL,
    previous_secret       bytea,
    previous_secret_until timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoints_disabled CHECK ((status = 'DISABLED') = (disabled_at IS NOT NULL))
);
-- The fan-out of every booking event looks endpoints up by organisation.
CREATE INDEX webhook_endpoints_organisation_id ON webhook_endpoints (organisation_id) WHERE status = 'ENABLED';
CREATE INDEX webhook_endpoints_by_organisation ON webhook_endpoints (organisation_id, id);

-- A message is one event for one endpoint: written in the transaction of the booking event
-- (so it exists exactly when the event does), then delivered by a job, at least once, with
-- retries. Its body is built from these columns at each attempt and is the same every time;
-- data holds the status figures of the event (no personal data: names and contacts are read
-- through the API with the key's rights).
CREATE TABLE webhook_messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        bigint REFERENCES booking_events (id),
    type            text NOT NULL CONSTRAINT webhook_messages_type CHECK (type IN ('REGISTRATION_CREATED', 'REGISTRATION_CONFIRMED',
                        'REGISTRATION_WAITLISTED', 'REGISTRATION_PROMOTED', 'REGISTRATION_CANCELLED',
                        'ATTENDANCE_MARKED', 'SLOT_CHANGED', 'SLOT_CANCELLED', 'SLOT_SEATS_CHANGED', 'WEBHOOK_PING')),
    slot_id         bigint REFERENCES slots (id),
    registration_id bigint REFERENCES registrations (id),
    data            jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'PENDING' CONSTRAINT webhook_messages_status CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    status_reason   text CONSTRAINT webhook_messages_status_reason_length CHECK (length(status_reason) <= 500),
    attempts        integer NOT NULL DEFAULT 0, -- in all, for the delivery log
    tries           integer NOT NULL DEFAULT 0, -- in the current series of retries (a replay starts one)
    next_attempt_at timestamptz,
    -- While an attempt is under way (at most the timeout), no other job sends the message.
    sending_until   timestamptz,
    delivered_at    timestamptz
);
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, id);
-- Order per slot: a message waits for the endpoint's earlier pending messages of its slot.
CREATE INDEX webhook_messages_pending ON webhook_messages (endpoint_id, slot_id, id) WHERE status = 'PENDING';
CREATE INDEX webhook_messages_event_id ON webhook_messages (event_id);
CREATE INDEX webhook_messages_registration_id ON webhook_messages (registration_id);
-- The purge of the delivery log, every 30 s on every instance (PurgeWebhookMessages).
CREATE INDEX webhook_messages_done ON webhook_messages (created_at) WHERE status <> 'PENDING';

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    bigint NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms   integer NOT NULL,
    response_code integer,
    error         text CONSTRAINT webhook_attempts_error_length CHECK (length(error) <= 500),
    succeeded     boolean NOT NULL
);
CREATE INDEX webhook_attempts_message_id ON webhook_attempts (message_id, attempt);

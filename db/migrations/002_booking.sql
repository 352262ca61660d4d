-- Booking: registrations (a participant's seat or waiting-list place on a slot), seats reserved
-- for an organisation (allocations), the transactional outbox of booking events, and the
-- idempotency keys that make retried requests safe.

-- seats_reserved counts the reserved seats not yet taken of the slot's unreleased
-- allocations, so that the seats left to everyone (capacity - seats_taken - seats_reserved)
-- is read from one row, and the CHECK keeps reservations and bookings within capacity.
ALTER TABLE slots
    ADD COLUMN seats_reserved integer NOT NULL DEFAULT 0 CHECK (seats_reserved >= 0),
    ADD CONSTRAINT slots_within_capacity CHECK (seats_taken + seats_reserved <= capacity);

CREATE TABLE slot_allocations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot_id         bigint NOT NULL REFERENCES slots (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    -- '' reserves for the whole organisation; a label for one of its departments.
    label           text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    seats           integer NOT NULL CHECK (seats > 0),
    seats_taken     integer NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= seats),
    -- After this instant, unused seats return to everyone; NULL keeps them reserved.
    release_at      timestamptz,
    -- Set once the booking worker has moved the waiting list after the release.
    released_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (slot_id, organisation_id, label)
);

CREATE TABLE registrations (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot_id                   bigint NOT NULL REFERENCES slots (id),
    status                    text NOT NULL CHECK (status IN ('CONFIRMED', 'WAITLISTED', 'CANCELLED')),
    confirmation_code         text NOT NULL UNIQUE,
    -- SHA-256 of the secret management token given to the person; the token is never stored.
    token_hash                bytea NOT NULL UNIQUE,
    -- The reserved seats this registration takes (allocation_id), or asked for (label).
    allocation_id             bigint REFERENCES slot_allocations (id),
    allocation_label          text NOT NULL DEFAULT '' CHECK (length(allocation_label) <= 100),
    -- Personal data, minimal, nulled by anonymisation.
    first_name                text CHECK (length(first_name) <= 100),
    last_name                 text CHECK (length(last_name) <= 100),
    phone                     text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email                     text CHECK (length(email) <= 254),
    postal_code               text CHECK (postal_code ~ '^[0-9]{5}$'),
    age_bracket               text CHECK (age_bracket IN ('UNDER_26', 'FROM_26_TO_59', 'SIXTY_AND_OVER')),
    has_computer              boolean,
    has_internet              boolean,
    has_smartphone            boolean,
    preferred_channel         text CHECK (preferred_channel IN ('SMS', 'PHONE_CALL', 'EMAIL')),
    consent_version           text NOT NULL CHECK (length(consent_version) BETWEEN 1 AND 50),
    consented_at              timestamptz NOT NULL,
    -- Who registered the person, and the referral (orientation) when a partner did.
    registered_by_org_id      bigint REFERENCES organisations (id),
    referring_org_id          bigint REFERENCES organisations (id),
    counsellor_name           text CHECK (length(counsellor_name) <= 200),
    referral_reason           text CHECK (length(referral_reason) <= 1000),
    partner_reference         text CHECK (length(partner_reference) <= 100),
    priority                  boolean NOT NULL DEFAULT false,
    priority_reason           text CHECK (length(priority_reason) <= 500),
    -- The waiting list is ordered by priority, then by when the person joined it.
    joined_at                 timestamptz NOT NULL DEFAULT clock_timestamp(),
    confirmed_at              timestamptz,
    cancelled_at              timestamptz,
    cancellation_reason       text CHECK (length(cancellation_reason) <= 500),
    attendance                text CHECK (attendance IN ('PRESENT', 'ABSENT', 'EXCUSED')),
    attendance_marked_at      timestamptz,
    anonymised_at             timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    CHECK (anonymised_at IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL),
    CHECK (status <> 'CONFIRMED' OR confirmed_at IS NOT NULL),
    CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL)),
    CHECK (referring_org_id IS NULL OR counsellor_name IS NOT NULL OR anonymised_at IS NOT NULL)
);
COMMENT ON TABLE registrations IS 'A participant''s seat (CONFIRMED) or waiting-list place (WAITLISTED) on a slot; personal data is minimal and anonymised after use.';
-- A person never holds two active registrations on one slot: by phone, and by email.
CREATE UNIQUE INDEX registrations_active_phone ON registrations (slot_id, phone)
    WHERE status <> 'CANCELLED' AND phone IS NOT NULL;
CREATE UNIQUE INDEX registrations_active_email ON registrations (slot_id, lower(email))
    WHERE status <> 'CANCELLED' AND email IS NOT NULL;
CREATE INDEX registrations_slot_waitlist ON registrations (slot_id, priority DESC, joined_at, id)
    WHERE status = 'WAITLISTED';
CREATE INDEX registrations_slot_id ON registrations (slot_id, id);
CREATE INDEX registrations_referring_org ON registrations (referring_org_id, id) WHERE referring_org_id IS NOT NULL;

-- The transactional outbox: every change of a registration or slot, written in the same
-- transaction, with ids only (no personal data), for notifications and webhooks to consume.
CREATE TABLE booking_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('REGISTERED', 'WAITLISTED', 'PROMOTED', 'CANCELLED',
                                                  'PRIORITY_CHANGED', 'ATTENDANCE_MARKED', 'SLOT_UPDATED',
                                                  'SLOT_CANCELLED', 'SEATS_RESERVED', 'SEATS_RELEASED')),
    slot_id         bigint NOT NULL REFERENCES slots (id),
    registration_id bigint REFERENCES registrations (id),
    occurred_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_events_slot_id ON booking_events (slot_id);

-- Retried mutations. The client's key (at least 16 characters) is stored only as a hash,
-- scoped to the caller's API key, and the stored response is encrypted with a key derived from
-- the client's key: a database reader who cannot guess a client's random key cannot read the
-- management tokens the responses hold.
CREATE TABLE idempotency_keys (
    key_hash     bytea PRIMARY KEY,
    request_hash bytea NOT NULL,
    response     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

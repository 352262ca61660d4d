-- Telling people: every booking event is followed up by a job (River, in this database) that
-- writes the messages it causes; each message is then sent by a job of its own.

-- A slot moved (its time or its venue changed) is told to its participants; other changes of a
-- slot (capacity, visibility) are not. A cancellation says who caused it: the person (by their
-- token), an organisation (by the registration's id), or the cancellation of the whole slot.
ALTER TABLE booking_events DROP CONSTRAINT booking_events_kind_check;
ALTER TABLE booking_events ADD CONSTRAINT booking_events_kind_check CHECK (kind IN ('REGISTERED',
    'WAITLISTED', 'PROMOTED', 'CANCELLED', 'PRIORITY_CHANGED', 'ATTENDANCE_MARKED', 'SLOT_UPDATED',
    'SLOT_MOVED', 'SLOT_CANCELLED', 'SEATS_RESERVED', 'SEATS_RELEASED'));
ALTER TABLE booking_events ADD COLUMN cause text
    CONSTRAINT booking_events_cause_of_cancellations CHECK (cause IS NULL
        OR cause IN ('PERSON', 'ORGANISATION', 'SLOT') AND kind = 'CANCELLED');

-- A person may stop reminders from their management link; what they do themselves is still
-- confirmed to them.
ALTER TABLE registrations ADD COLUMN reminders_stopped_at timestamptz;

-- The delivery log. A message is written once per event and person (messages_one_per_event),
-- and once per person and start of the slot for reminders (a slot moved gets a new reminder;
-- the old one finds the start changed and is not sent). The recipient is not copied: the
-- sending job reads the registration's contact at the time it sends. body is what was sent,
-- kept for the delivery log and cleared after 90 days (it holds names and places).
CREATE TABLE messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_id     bigint NOT NULL REFERENCES registrations (id),
    event_id            bigint REFERENCES booking_events (id),
    kind                text NOT NULL CONSTRAINT messages_kind CHECK (kind IN ('CONFIRMATION',
                            'WAITLISTED', 'PROMOTED', 'REMINDER', 'SLOT_MOVED', 'SLOT_CANCELLED',
                            'CANCELLED')),
    channel             text CONSTRAINT messages_channel CHECK (channel IN ('SMS', 'EMAIL')),
    status              text NOT NULL DEFAULT 'QUEUED' CONSTRAINT messages_status CHECK (status IN
                            ('QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'FAILED', 'SUPPRESSED')),
    status_reason       text CONSTRAINT messages_status_reason_length CHECK (length(status_reason) <= 500),
    attempts            integer NOT NULL DEFAULT 0,
    provider_message_id text,
    body                text,
    reminder_for        timestamptz CONSTRAINT messages_reminder_for_reminders
                            CHECK ((kind = 'REMINDER') = (reminder_for IS NOT NULL)),
    resend_of           bigint REFERENCES messages (id),
    queued_at           timestamptz NOT NULL DEFAULT now(),
    claimed_at          timestamptz, -- when a job last handed it to a provider
    sent_at             timestamptz,
    delivered_at        timestamptz,
    failed_at           timestamptz,
    CONSTRAINT messages_one_per_event UNIQUE (event_id, registration_id)
);
CREATE INDEX messages_registration_id ON messages (registration_id);
-- The messages on their way, few at any time: a person's next message waits for them.
CREATE INDEX messages_pending ON messages (id) WHERE status IN ('QUEUED', 'SENDING');
CREATE UNIQUE INDEX messages_one_reminder ON messages (registration_id, reminder_for)
    WHERE kind = 'REMINDER' AND resend_of IS NULL;
CREATE INDEX messages_provider_message_id ON messages (provider_message_id)
    WHERE provider_message_id IS NOT NULL;

-- The link in a message lets the person manage their registration as the token given to the
-- client that registered them does. Each message carries a token of its own, minted when it is
-- sent (the client's token is never stored, only its hash), and stored only as a hash too.
CREATE TABLE registration_links (
    token_hash      bytea PRIMARY KEY,
    registration_id bigint NOT NULL REFERENCES registrations (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_links_registration_id ON registration_links (registration_id);

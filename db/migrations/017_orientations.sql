-- What became of a person after a workshop: an outcome from a short list the network agreed on,
-- recorded by the host once the person is marked PRESENT, with an optional note. The note is
-- personal data (it may tell of a person's situation): shown only to those who see the
-- registration's personal data, nulled by anonymisation; the outcome itself is a statistic.
ALTER TABLE registrations
    ADD COLUMN outcome             text CHECK (outcome IN ('PROCEDURE_DONE_ALONE', 'CV_WRITTEN',
                                       'NEEDS_FOLLOW_UP', 'REORIENTED', 'EQUIPMENT_NEEDED', 'OTHER')),
    ADD COLUMN outcome_note        text CHECK (length(outcome_note) BETWEEN 1 AND 1000),
    ADD COLUMN outcome_recorded_at timestamptz,
    ADD CONSTRAINT registrations_outcome_recorded CHECK ((outcome IS NULL) = (outcome_recorded_at IS NULL)),
    ADD CONSTRAINT registrations_outcome_note CHECK (outcome_note IS NULL OR outcome IS NOT NULL),
    -- Only a person who came has an outcome; marking them otherwise afterwards clears it.
    ADD CONSTRAINT registrations_outcome_present CHECK (outcome IS NULL OR attendance = 'PRESENT');
COMMENT ON COLUMN registrations.outcome IS 'What the workshop led to for the person (PROCEDURE_DONE_ALONE...), recorded by the host after attendance PRESENT.';
COMMENT ON COLUMN registrations.outcome_note IS 'The host''s note on the outcome: personal data, nulled by anonymisation.';

-- A re-orientation: the host or the referrer of a registration sends the person on to another
-- structure of the network, with a reason. The receiving structure may not see the original
-- registration, so the orientation carries a copy of what it needs to call the person back,
-- and nothing more: name, phone, email, the channel they prefer (no postal code, age bracket,
-- equipment, referral or notes). It is personal data, seen by the sender and the receiver only,
-- nulled by anonymisation. When the receiver registers the person (register with
-- orientationId), the orientation is ACCEPTED and names that registration, and the new
-- registration names the sender (oriented_by_org_id), who then follows it as a referrer does;
-- or the receiver declines it, with a reason, and the sender may send the person elsewhere.
CREATE TABLE orientations (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_id     bigint NOT NULL REFERENCES registrations (id),
    from_org_id         bigint NOT NULL REFERENCES organisations (id),
    to_org_id           bigint NOT NULL REFERENCES organisations (id),
    reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    first_name          text CHECK (length(first_name) <= 100),
    last_name           text CHECK (length(last_name) <= 100),
    phone               text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email               text CHECK (length(email) <= 254),
    preferred_channel   text CHECK (preferred_channel IN ('SMS', 'PHONE_CALL', 'EMAIL')),
    status              text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED')),
    -- Why the receiver declined (not its public: no place, not its field), for the sender.
    decline_reason      text CHECK (length(decline_reason) BETWEEN 1 AND 500),
    new_registration_id bigint UNIQUE REFERENCES registrations (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    answered_at         timestamptz,
    anonymised_at       timestamptz,
    CONSTRAINT orientations_elsewhere CHECK (from_org_id <> to_org_id),
    CONSTRAINT orientations_accepted CHECK ((status = 'ACCEPTED') = (new_registration_id IS NOT NULL)),
    CONSTRAINT orientations_answered CHECK ((status = 'PENDING') = (answered_at IS NULL)),
    CONSTRAINT orientations_declined CHECK (decline_reason IS NULL OR status = 'DECLINED'),
    CONSTRAINT orientations_contact CHECK (anonymised_at IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL)
);
-- One orientation of a registration to one structure waits at a time: a retried click sends
-- nothing twice.
CREATE UNIQUE INDEX orientations_pending ON orientations (registration_id, to_org_id) WHERE status = 'PENDING';
CREATE INDEX orientations_to_org ON orientations (to_org_id, id);
CREATE INDEX orientations_registration ON orientations (registration_id, id);
COMMENT ON TABLE orientations IS 'A person sent on from a registration to another structure, with the contact it needs to call them back (personal data, seen by sender and receiver only).';

ALTER TABLE registrations ADD COLUMN oriented_by_org_id bigint REFERENCES organisations (id);
COMMENT ON COLUMN registrations.oriented_by_org_id IS 'The structure that re-oriented the person here (orientations.from_org_id), which sees the registration as a referrer does.';

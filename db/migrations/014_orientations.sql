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

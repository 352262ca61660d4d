-- A programme's order rule: IN_ORDER, each workshop's slot ends before the next workshop's
-- slot starts (the CV before the France Travail procedures that need it), or ANY_ORDER. Courses
-- existed before the rule and were meant in order: they take IN_ORDER, as new ones do.
ALTER TABLE programmes
    ADD COLUMN order_rule text NOT NULL DEFAULT 'IN_ORDER' CHECK (order_rule IN ('IN_ORDER', 'ANY_ORDER'));
COMMENT ON COLUMN programmes.order_rule IS 'IN_ORDER: the slots of an enrolment follow the workshops'' order in time; ANY_ORDER: they need not.';

-- An enrolment: one person following one programme. The person is the participant of its
-- registrations (each holds the same copy, made by enrol and by rescheduling); the enrolment
-- holds what is the course's: who enrolled the person, who referred them, whether they left.
-- Progress is not stored: it is read from the registrations' attendance, so that it can never
-- disagree with them.
CREATE TABLE enrolments (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id         bigint NOT NULL REFERENCES programmes (id),
    -- The programme's organisation, kept here for the access checks and the host's list.
    organisation_id      bigint NOT NULL REFERENCES organisations (id),
    registered_by_org_id bigint REFERENCES organisations (id),
    referring_org_id     bigint REFERENCES organisations (id),
    -- The programme's workshops when the person enrolled, in course order: the course they
    -- follow, whatever the programme becomes (updateProgramme changes it for later enrolments).
    workshop_ids         bigint[] NOT NULL CHECK (cardinality(workshop_ids) BETWEEN 1 AND 20),
    created_at           timestamptz NOT NULL DEFAULT now(),
    cancelled_at         timestamptz,
    cancellation_reason  text CHECK (length(cancellation_reason) <= 500),
    CONSTRAINT enrolments_cancel_reason CHECK (cancellation_reason IS NULL OR cancelled_at IS NOT NULL)
);
CREATE INDEX enrolments_organisation ON enrolments (organisation_id, id);
CREATE INDEX enrolments_referring_org ON enrolments (referring_org_id, id) WHERE referring_org_id IS NOT NULL;
COMMENT ON TABLE enrolments IS 'One person following one programme; the person and the progress are those of its registrations.';

ALTER TABLE registrations ADD COLUMN enrolment_id bigint REFERENCES enrolments (id);
CREATE INDEX registrations_enrolment ON registrations (enrolment_id) WHERE enrolment_id IS NOT NULL;
COMMENT ON COLUMN registrations.enrolment_id IS 'The enrolment this seat is a step of, if any (enrol, rescheduleEnrolment).';

-- Equipment for those who have none: donated computers (from Ecodair, a reconditioning company)
-- given out by an organisation to the people it supports, by an explainable priority.

ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check CHECK (scopes <@ ARRAY['CATALOGUE_WRITE',
    'REGISTRATIONS_WRITE', 'REGISTRATIONS_READ', 'ATTENDANCE_WRITE', 'REPORTS_READ', 'KEYS_MANAGE',
    'WEBHOOKS_MANAGE', 'EQUIPMENT_MANAGE']);

-- The stock: one row per device an organisation holds or held. A device given stays here
-- (GIVEN), so that the funder's figures and a return find it.
CREATE TABLE devices (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL REFERENCES organisations (id),
    kind             text NOT NULL CHECK (kind IN ('LAPTOP', 'DESKTOP', 'TABLET', 'SMARTPHONE')),
    donor            text NOT NULL CHECK (length(donor) BETWEEN 1 AND 200),
    received_on      date NOT NULL,
    condition        text NOT NULL CHECK (condition IN ('AS_NEW', 'GOOD', 'FAIR', 'POOR')),
    serial_number    text CHECK (length(serial_number) BETWEEN 1 AND 100),
    inventory_number text CHECK (length(inventory_number) BETWEEN 1 AND 100),
    installed        text NOT NULL DEFAULT '' CHECK (length(installed) <= 1000),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    -- IN_STOCK: may be proposed; RESERVED: proposed to a person (an active handover); GIVEN:
    -- handed over; RETURNED: back from a person, to wipe and check before it goes back to
    -- stock; SCRAPPED: out of use.
    status           text NOT NULL DEFAULT 'IN_STOCK' CHECK (status IN ('IN_STOCK', 'RESERVED', 'GIVEN', 'RETURNED', 'SCRAPPED')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX devices_inventory_number ON devices (organisation_id, inventory_number) WHERE inventory_number IS NOT NULL;
CREATE INDEX devices_organisation ON devices (organisation_id, id);
COMMENT ON TABLE devices IS 'Donated devices an organisation holds or gave: its stock, seen by its EQUIPMENT_MANAGE keys only.';

-- An organisation's priority rules: weights of the ranking of open requests, versioned. A new
-- version is a new row; the decisions record the version they followed.
CREATE TABLE equipment_rules (
    organisation_id        bigint NOT NULL REFERENCES organisations (id),
    version                integer NOT NULL CHECK (version >= 1),
    young_without_computer integer NOT NULL CHECK (young_without_computer BETWEEN 0 AND 100000),
    seniority_per_month    integer NOT NULL CHECK (seniority_per_month BETWEEN 0 AND 10000),
    seniority_max_months   integer NOT NULL CHECK (seniority_max_months BETWEEN 0 AND 600),
    no_computer            integer NOT NULL CHECK (no_computer BETWEEN 0 AND 100000),
    no_internet            integer NOT NULL CHECK (no_internet BETWEEN 0 AND 100000),
    no_smartphone          integer NOT NULL CHECK (no_smartphone BETWEEN 0 AND 100000),
    attended_workshop      integer NOT NULL CHECK (attended_workshop BETWEEN 0 AND 100000),
    created_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, version)
);
COMMENT ON TABLE equipment_rules IS 'Versions of an organisation''s weights for ranking equipment requests; none means the defaults (version 0).';

-- A person's need, recorded by the holding organisation or by a partner that refers people
-- (requested_by_org_id). The person's data is the minimum, as for registrations: personal data,
-- seen by the holder and the requester only, nulled by anonymisation.
CREATE TABLE equipment_requests (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id     bigint NOT NULL REFERENCES organisations (id),
    requested_by_org_id bigint NOT NULL REFERENCES organisations (id),
    registration_id     bigint REFERENCES registrations (id),
    first_name          text CHECK (length(first_name) <= 100),
    last_name           text CHECK (length(last_name) <= 100),
    phone               text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email               text CHECK (length(email) <= 254),
    age_bracket         text NOT NULL CHECK (age_bracket IN ('UNDER_26', 'FROM_26_TO_59', 'SIXTY_AND_OVER')),
    situation           text NOT NULL CHECK (situation IN ('EMPLOYEE_IN_INSERTION', 'JOB_SEEKER', 'RESIDENT', 'OTHER')),
    has_computer        boolean NOT NULL,
    has_smartphone      boolean NOT NULL,
    has_internet        boolean NOT NULL,
    employee_since      date,
    reason              text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    consent_version     text NOT NULL CHECK (length(consent_version) BETWEEN 1 AND 50),
    -- OPEN: waiting for a device; PROPOSED: a device is proposed (an active handover); GIVEN:
    -- a device was handed over; CLOSED: withdrawn, or the person declined and wants no other.
    status              text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'PROPOSED', 'GIVEN', 'CLOSED')),
    closed_reason       text CHECK (length(closed_reason) BETWEEN 1 AND 500),
    created_at          timestamptz NOT NULL DEFAULT now(),
    anonymised_at       timestamptz,
    CONSTRAINT equipment_requests_contact CHECK (anonymised_at IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL),
    CONSTRAINT equipment_requests_employee CHECK (employee_since IS NULL OR situation = 'EMPLOYEE_IN_INSERTION')
);
-- One open request per person, holder and requesting organisation: the same contact and name,
-- case aside. Not per holder alone: a partner's refusal would then tell it that another
-- structure already supports the person, which it may not know; the holder sees both.
CREATE UNIQUE INDEX equipment_requests_open_phone ON equipment_requests (organisation_id, requested_by_org_id, phone,
    lower(coalesce(first_name, '')), lower(coalesce(last_name, '')))
    WHERE status IN ('OPEN', 'PROPOSED') AND phone IS NOT NULL;
CREATE UNIQUE INDEX equipment_requests_open_email ON equipment_requests (organisation_id, requested_by_org_id, lower(email),
    lower(coalesce(first_name, '')), lower(coalesce(last_name, '')))
    WHERE status IN ('OPEN', 'PROPOSED') AND email IS NOT NULL;
CREATE INDEX equipment_requests_organisation ON equipment_requests (organisation_id, status, id);
CREATE INDEX equipment_requests_requester ON equipment_requests (requested_by_org_id, id);
COMMENT ON TABLE equipment_requests IS 'A person''s need of a device at an organisation: personal data, seen by the holder and the requester.';

-- A handover: a device proposed to a request, then given, declined or returned. The rank, score
-- and reasons the ranking gave at the proposal, and the version of the rules, are kept with it,
-- so that every decision can be explained afterwards.
CREATE TABLE equipment_handovers (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id         bigint NOT NULL REFERENCES devices (id),
    request_id        bigint NOT NULL REFERENCES equipment_requests (id),
    status            text NOT NULL DEFAULT 'PROPOSED' CHECK (status IN ('PROPOSED', 'GIVEN', 'DECLINED', 'RETURNED')),
    rules_version     integer NOT NULL,
    -- The weights themselves: version 0 (the defaults) lives in the code, which may change.
    rules             jsonb NOT NULL,
    rank              integer NOT NULL CHECK (rank >= 1),
    score             integer NOT NULL,
    reasons           jsonb NOT NULL,
    override_reason   text CHECK (length(override_reason) BETWEEN 1 AND 500),
    proposed_at       timestamptz NOT NULL DEFAULT now(),
    proposed_by_key   bigint REFERENCES api_keys (id),
    given_at          timestamptz,
    given_by          text CHECK (length(given_by) BETWEEN 1 AND 200),
    acknowledgement   text CHECK (length(acknowledgement) BETWEEN 1 AND 500),
    declined_at       timestamptz,
    decline_reason    text CHECK (length(decline_reason) BETWEEN 1 AND 500),
    returned_at       timestamptz,
    return_note       text CHECK (length(return_note) BETWEEN 1 AND 500),
    CONSTRAINT equipment_handovers_override CHECK (rank = 1 OR override_reason IS NOT NULL),
    CONSTRAINT equipment_handovers_given CHECK ((status IN ('GIVEN', 'RETURNED')) = (given_at IS NOT NULL)),
    CONSTRAINT equipment_handovers_declined CHECK ((status = 'DECLINED') = (declined_at IS NOT NULL)),
    CONSTRAINT equipment_handovers_returned CHECK ((status = 'RETURNED') = (returned_at IS NOT NULL))
);
-- The last line of defence: a device is never with two people at once, and a request never
-- gets two devices.
CREATE UNIQUE INDEX equipment_handovers_one_per_device ON equipment_handovers (device_id) WHERE status IN ('PROPOSED', 'GIVEN');
CREATE UNIQUE INDEX equipment_handovers_one_per_request ON equipment_handovers (request_id) WHERE status IN ('PROPOSED', 'GIVEN', 'RETURNED');
CREATE INDEX equipment_handovers_request ON equipment_handovers (request_id, id);
CREATE INDEX equipment_handovers_device ON equipment_handovers (device_id, id);
COMMENT ON TABLE equipment_handovers IS 'A device proposed to a request, then given, declined or returned, with the ranking that justified it.';

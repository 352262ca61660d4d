-- A partner's private calendar feed: the slots of the people it referred, at a secret address
-- its counsellors paste into their calendar app. The address holds a token of 256 random bits;
-- only its SHA-256 is kept, as for API keys and management tokens. A feed belongs to the
-- organisation, not to the key that made it: a key revoked leaves its feeds working, and any
-- key of the organisation allowed to read its referrals lists and revokes them.
CREATE TABLE calendar_feeds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    label           text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    -- The first characters of the token, to recognise an address seen in a configuration.
    prefix          text NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- When a calendar app last read it, to the minute: a feed nobody reads can go.
    last_read_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX calendar_feeds_organisation_id ON calendar_feeds (organisation_id, id);
COMMENT ON TABLE calendar_feeds IS 'Secret iCalendar addresses of the slots an organisation''s referred people hold; the token is stored only as its SHA-256.';

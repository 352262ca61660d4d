-- The catalogue of the network: organisations, their venues, workshops, programmes and slots,
-- and the API keys callers authenticate with. Enum-like columns are text with CHECK constraints
-- holding the GraphQL enum names, so that adding a value is one ALTER, not a type migration.

CREATE TABLE organisations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) BETWEEN 2 AND 60),
    kind            text NOT NULL CHECK (kind IN ('REGIE_DE_QUARTIER', 'ASSOCIATION', 'FRANCE_TRAVAIL', 'CAF', 'CCAS', 'MAIRIE', 'MEDIATHEQUE', 'OTHER')),
    siret           text CHECK (siret ~ '^[0-9]{14}$'),
    phone           text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email           text CHECK (length(email) <= 254),
    website         text CHECK (length(website) <= 2000),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    hosts_workshops boolean NOT NULL DEFAULT false,
    refers_people   boolean NOT NULL DEFAULT false,
    is_sample       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN organisations.is_sample IS 'Demo data, not a real structure.';

CREATE TABLE venues (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id       bigint NOT NULL REFERENCES organisations (id),
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    street_address        text NOT NULL CHECK (length(street_address) BETWEEN 1 AND 300),
    postal_code           text NOT NULL CHECK (postal_code ~ '^[0-9]{5}$'),
    city                  text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
    insee_code            text CHECK (insee_code ~ '^([0-9]{2}|2A|2B)[0-9]{3}$'),
    latitude              double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude             double precision CHECK (longitude BETWEEN -180 AND 180),
    opening_hours         text CHECK (length(opening_hours) <= 1000),
    wheelchair_accessible boolean NOT NULL DEFAULT false,
    hearing_loop          boolean NOT NULL DEFAULT false,
    other_support         text NOT NULL DEFAULT '' CHECK (length(other_support) <= 500),
    computers             integer NOT NULL DEFAULT 0 CHECK (computers BETWEEN 0 AND 500),
    wifi                  boolean NOT NULL DEFAULT false,
    printer               boolean NOT NULL DEFAULT false,
    scanner               boolean NOT NULL DEFAULT false,
    phone                 text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email                 text CHECK (length(email) <= 254),
    access_instructions   text NOT NULL DEFAULT '' CHECK (length(access_instructions) <= 2000),
    archived_at           timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- Both coordinates or neither: a venue on the map needs a point, not half of one.
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX venues_organisation_id ON venues (organisation_id);
CREATE INDEX venues_postal_code ON venues (postal_code);

CREATE TABLE workshops (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL REFERENCES organisations (id),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary          text NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    topics           text[] NOT NULL CHECK (cardinality(topics) BETWEEN 1 AND 10),
    level            text NOT NULL CHECK (level IN ('BEGINNER', 'INTERMEDIATE', 'ADVANCED')),
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
    audiences        text[] NOT NULL CHECK (cardinality(audiences) >= 1),
    what_to_bring    text[] NOT NULL DEFAULT '{}',
    languages        text[] NOT NULL DEFAULT '{fr}',
    prerequisites    text NOT NULL DEFAULT '' CHECK (length(prerequisites) <= 2000),
    resources        jsonb NOT NULL DEFAULT '[]',
    status           text NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshops_organisation_id ON workshops (organisation_id);
CREATE INDEX workshops_topics ON workshops USING gin (topics);

CREATE TABLE programmes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    status          text NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX programmes_organisation_id ON programmes (organisation_id);

CREATE TABLE programme_workshops (
    programme_id bigint NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 1),
    workshop_id  bigint NOT NULL REFERENCES workshops (id),
    PRIMARY KEY (programme_id, position),
    UNIQUE (programme_id, workshop_id)
);

CREATE TABLE slots (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- organisation_id repeats the workshop's owner so that visibility and ownership checks
    -- need no join on the availability query's hot path.
    organisation_id        bigint NOT NULL REFERENCES organisations (id),
    workshop_id            bigint NOT NULL REFERENCES workshops (id),
    venue_id               bigint NOT NULL REFERENCES venues (id),
    series_id              uuid,
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL,
    capacity               integer NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    -- seats_taken is maintained by the booking transaction; the CHECK is the last line of
    -- defence against overbooking whatever the concurrency.
    seats_taken            integer NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= capacity),
    waitlist_length        integer NOT NULL DEFAULT 0 CHECK (waitlist_length >= 0),
    status                 text NOT NULL DEFAULT 'SCHEDULED' CHECK (status IN ('SCHEDULED', 'CANCELLED')),
    cancellation_reason    text CHECK (length(cancellation_reason) <= 500),
    cancelled_at           timestamptz,
    visibility             text NOT NULL CHECK (visibility IN ('PUBLIC', 'PARTNERS', 'INTERNAL')),
    registration_opens_at  timestamptz,
    registration_closes_at timestamptz NOT NULL,
    facilitator_name       text CHECK (length(facilitator_name) <= 200),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (registration_closes_at <= starts_at),
    CHECK (registration_opens_at IS NULL OR registration_opens_at < registration_closes_at),
    CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL))
);
COMMENT ON COLUMN slots.series_id IS 'Slots scheduled together by scheduleSlotSeries; each stays editable on its own.';
-- The availability query walks slots by start time; (starts_at, id) is also the keyset cursor.
CREATE INDEX slots_starts_at ON slots (starts_at, id);
CREATE INDEX slots_workshop_id ON slots (workshop_id, starts_at);
CREATE INDEX slots_venue_id ON slots (venue_id, starts_at);
CREATE INDEX slots_organisation_id ON slots (organisation_id, starts_at);

CREATE TABLE api_keys (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for a network administrator key, which belongs to no organisation.
    organisation_id bigint REFERENCES organisations (id),
    label           text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    prefix          text NOT NULL,
    -- SHA-256 of the secret: the secret has 256 random bits, so a fast hash is enough and the
    -- lookup stays one index probe. The secret itself is never stored.
    secret_hash     bytea NOT NULL UNIQUE,
    scopes          text[] NOT NULL DEFAULT '{}',
    is_network_admin boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    CHECK (is_network_admin OR organisation_id IS NOT NULL),
    CHECK (scopes <@ ARRAY['CATALOGUE_WRITE', 'REGISTRATIONS_WRITE', 'REGISTRATIONS_READ', 'ATTENDANCE_WRITE', 'REPORTS_READ', 'KEYS_MANAGE'])
);
CREATE INDEX api_keys_organisation_id ON api_keys (organisation_id);

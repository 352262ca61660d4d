-- Rate limits: one token bucket per caller and budget, shared by every instance of the API so
-- that a limit holds behind a load balancer.
--
-- UNLOGGED: a bucket is worth nothing after a crash (PostgreSQL empties unlogged tables then,
-- which only hands every caller a full budget again), and its update, made on every request,
-- then writes no WAL. Rows of callers idle for an hour are purged by the worker.
CREATE UNLOGGED TABLE rate_buckets (
    -- sha256 of the budget's name and the caller's identity (API key id, or client network
    -- for anonymous calls): no address is stored in clear.
    key        bytea PRIMARY KEY,
    -- Points left at updated_at; the bucket refills continuously up to its burst.
    available  double precision NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Whether the last draw was granted, returned to the drawing statement.
    granted    boolean NOT NULL
);

COMMENT ON TABLE rate_buckets IS 'Token buckets of the rate limits (graph/ratelimit.go); purged after an hour idle.';

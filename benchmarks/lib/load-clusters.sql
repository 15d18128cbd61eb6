-- Loads :n clusters (psql variable) into a migrated HyperFleet database in one statement, then
-- VACUUM ANALYZE. Row i (0-based): labels.env = prod/staging/dev by i % 3, status.phase Ready when i is even
-- (else NotReady), so `env=prod and Ready` is exactly the rows with i % 6 = 0.
-- Ids follow the server's format: 20 bytes (4-byte Unix seconds of created_time, then 16 pseudo-random
-- bytes from md5(i)) in lowercase base32hex = 32 characters of [0-9a-v], unique, sortable by time.
\set ON_ERROR_STOP on

-- n 5-bit groups of v, most significant first.
CREATE FUNCTION pg_temp.b32(v bigint, n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(substr('0123456789abcdefghijklmnopqrstuv', ((v >> (5 * (n - 1 - k))) & 31)::int + 1, 1), '' ORDER BY k)
    FROM generate_series(0, n - 1) AS k
$$;

INSERT INTO clusters (
    id, name, spec, labels, generation, created_time, updated_time, created_by, updated_by,
    status_phase, status_observed_generation, status_last_transition_time, status_last_updated_time,
    status_conditions)
SELECT
    -- 32 bits of seconds then 128 random bits: 7 chars = seconds << 3 | 3 bits, then 25 chars.
    pg_temp.b32((extract(epoch FROM t.created)::bigint << 3) | (h1 & 7), 7)
        || pg_temp.b32(h1 >> 4, 12) || pg_temp.b32(h2 >> 4, 12) || pg_temp.b32(h2 & 15, 1),
    format('bench-%s', lpad(t.i::text, 6, '0')),
    jsonb_build_object('region', (ARRAY['us-east-1', 'eu-west-1', 'ap-south-1'])[t.i % 3 + 1],
                       'version', '4.16.' || (t.i % 20), 'nodes', t.i % 10 + 1),
    jsonb_build_object('env', (ARRAY['prod', 'staging', 'dev'])[t.i % 3 + 1]),
    1, t.created, t.created + interval '5 minutes', 'bench@example.com', 'bench@example.com',
    CASE WHEN t.ready THEN 'Ready' ELSE 'NotReady' END,
    CASE WHEN t.ready THEN 1 ELSE 0 END,
    t.created + interval '5 minutes',
    t.created + interval '5 minutes',
    CASE WHEN t.ready THEN (
        SELECT jsonb_agg(jsonb_build_object(
            'type', c.type, 'status', 'True', 'reason', 'Available', 'message', 'All resources available',
            'last_transition_time', to_char((t.created + interval '4 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'observed_generation', 1,
            'created_time', to_char((t.created + interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'last_updated_time', to_char((t.created + interval '5 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
            ORDER BY c.type)
        FROM unnest(ARRAY['DnsSuccessful', 'HypershiftSuccessful', 'PullsecretSuccessful', 'ValidationSuccessful']) AS c(type))
    ELSE '[]'::jsonb END
FROM (
    SELECT i, i % 2 = 0 AS ready,
           -- one cluster a minute, the newest a day ago
           date_trunc('second', now()) - interval '1 day' - (:n - 1 - i) * interval '1 minute' AS created,
           ('x' || substr(md5(i::text), 1, 16))::bit(64)::bigint AS h1,
           ('x' || substr(md5(i::text), 17, 16))::bit(64)::bigint AS h2
    FROM generate_series(0, :n - 1) AS i
) AS t;

-- VACUUM too: sets the visibility map (index-only scans), as autovacuum would shortly after a bulk insert.
-- The whole database: the insert triggers fill other tables too (e.g. the Sentinel's change queue);
-- vacuuming them now keeps autovacuum out of the measurements.
VACUUM (ANALYZE);

-- Detection beyond one process (issue #19): the leader plans a pass as N shards of the fleet (vehicle_id modulo N)
-- and every `carecast detect` process works shards under a lease (detection/shards.py owns both tables).
CREATE TABLE detection_pass (
    id              bigserial PRIMARY KEY,
    -- the pass's evaluation time (the `now` the rules judge at), as the leader planned it
    pass_at         timestamptz NOT NULL,
    shards          integer NOT NULL CHECK (shards >= 1),
    lookback_days   integer NOT NULL CHECK (lookback_days >= 1),
    scope           text NOT NULL CHECK (scope IN ('all', 'changed')),
    -- an incremental pass judges only these vehicles (those with telemetry received since the watermark)
    vehicle_ids     bigint[],
    -- the watermark the pass advances to once every shard is done
    newest_received timestamptz,
    refreshed_from  timestamptz NOT NULL,
    storage_mode    text NOT NULL,
    leader          text NOT NULL,
    state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
    planned_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    CHECK ((state = 'running') = (finished_at IS NULL))
);
-- One pass runs at a time: a new leader adopts the running one instead of planning a second.
CREATE UNIQUE INDEX detection_pass_one_running ON detection_pass ((true)) WHERE state = 'running';

CREATE TABLE detection_shard (
    pass_id     bigint NOT NULL REFERENCES detection_pass (id) ON DELETE CASCADE,
    shard       integer NOT NULL CHECK (shard >= 0),
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
    -- the worker working it ("host:pid") and until when its lease holds (the database clock: see shards.py)
    holder      text,
    lease_until timestamptz,
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    started_at  timestamptz,
    finished_at timestamptz,
    -- what the shard judged: rows, vehicles, per risk kind counts, failed rules, phases (detection/sharded.py)
    counts      jsonb,
    PRIMARY KEY (pass_id, shard),
    CHECK (state <> 'running' OR (holder IS NOT NULL AND lease_until IS NOT NULL)),
    CHECK ((state = 'done') = (finished_at IS NOT NULL))
);

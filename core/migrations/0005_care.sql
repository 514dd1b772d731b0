-- Risks raised by detection, care messages and booking suggestions written by notify, API credentials.

CREATE TABLE risk (
    id              bigserial PRIMARY KEY,
    vehicle_id      bigint NOT NULL REFERENCES vehicle (id),
    kind            text NOT NULL CHECK (kind IN ('battery_12v', 'ev_battery_soh', 'brake_pads', 'winter_prep')),
    rule_id         text NOT NULL,
    rule_version    integer NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'closed')),
    severity        text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    confidence      real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    -- the day the part is expected to fail or cross its limit, with an uncertainty band where the rule has one
    predicted_date  date,
    predicted_low   date,
    predicted_high  date,
    -- short machine-readable diagnosis, e.g. 'high_internal_resistance'
    diagnosis       text NOT NULL,
    -- {"readings": [{"signal": ..., "ts": ..., "value": ..., "threshold": ..., "op": "<"}], ...}
    evidence        jsonb NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    resolved_at     timestamptz,
    CHECK (predicted_low IS NULL OR predicted_high IS NULL OR predicted_low <= predicted_high)
);
-- One open risk per vehicle and kind: re-runs update it instead of duplicating it.
CREATE UNIQUE INDEX risk_open_uniq ON risk (vehicle_id, kind) WHERE status = 'open';
CREATE INDEX risk_status_idx ON risk (status, id);

CREATE TABLE care_message (
    id           bigserial PRIMARY KEY,
    risk_id      bigint NOT NULL REFERENCES risk (id),
    vehicle_id   bigint NOT NULL REFERENCES vehicle (id),
    customer_id  bigint NOT NULL REFERENCES customer (id),
    -- first_notice for now; re-reminders and resolution notes come with the notification policy
    purpose      text NOT NULL,
    locale       text NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    channel      text NOT NULL DEFAULT 'in_app',
    subject      text NOT NULL,
    body         text NOT NULL,
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    send_after   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (risk_id, purpose)
);
CREATE INDEX care_message_customer_idx ON care_message (customer_id, id);

CREATE TABLE booking_suggestion (
    id             bigserial PRIMARY KEY,
    risk_id        bigint NOT NULL REFERENCES risk (id),
    vehicle_id     bigint NOT NULL REFERENCES vehicle (id),
    center_id      bigint NOT NULL REFERENCES service_center (id),
    technician_id  bigint NOT NULL REFERENCES technician (id),
    rank           smallint NOT NULL CHECK (rank BETWEEN 1 AND 3),
    slot_start     timestamptz NOT NULL,
    slot_end       timestamptz NOT NULL,
    -- act before this (predicted failure date or the cold snap); null when the risk has no date
    deadline       date,
    distance_km    real NOT NULL,
    -- [{"sku": ..., "name": ..., "qty": 1, "in_stock": true, "available_on": "2026-11-30"}]
    parts          jsonb NOT NULL,
    reason         text NOT NULL,
    status         text NOT NULL DEFAULT 'suggested'
                   CHECK (status IN ('suggested', 'accepted', 'declined', 'expired')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (slot_end > slot_start),
    UNIQUE (risk_id, rank)
);
CREATE INDEX booking_suggestion_center_idx ON booking_suggestion (center_id, id);
CREATE INDEX booking_suggestion_tech_slot_idx ON booking_suggestion (technician_id, slot_start);

-- API keys of service centers (role 'center') and operators (role 'admin'); only a SHA-256 hash is stored.
CREATE TABLE api_key (
    id            bigserial PRIMARY KEY,
    center_id     bigint REFERENCES service_center (id),
    role          text NOT NULL CHECK (role IN ('center', 'admin')),
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE,
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CHECK ((role = 'center') = (center_id IS NOT NULL))
);

-- Owner tokens: a customer sees only their own vehicles.
CREATE TABLE owner_token (
    id            bigserial PRIMARY KEY,
    customer_id   bigint NOT NULL REFERENCES customer (id),
    prefix        text NOT NULL,
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

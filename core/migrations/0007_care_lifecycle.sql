-- Notification policy and outbox, channel deliveries, booking acceptance, and the case lifecycle.

-- No btree_gist: the technician id is compared as a one-point int8range so plain GiST suffices
-- (and the TimescaleDB test engine, which ships no contrib extensions, can run it).

-- Care messages are the outbox: one row per risk and purpose (first_notice, reminder_1, escalation_high,
-- all_clear, ...); 'cancelled' when the reason to send it went away before it was due (booked, muted, resolved).
ALTER TABLE care_message DROP CONSTRAINT care_message_status_check;
ALTER TABLE care_message ADD CONSTRAINT care_message_status_check
    CHECK (status IN ('queued', 'sent', 'failed', 'cancelled'));
ALTER TABLE care_message ADD COLUMN severity text;
ALTER TABLE care_message ADD COLUMN sent_at timestamptz;
CREATE INDEX care_message_queued_idx ON care_message (customer_id, send_after) WHERE status = 'queued';

-- The owner's quiet hours, local time in customer.tz; null means the notifier's default (21:00-08:00).
ALTER TABLE customer ADD COLUMN quiet_start time;
ALTER TABLE customer ADD COLUMN quiet_end time;

-- One envelope per owner and send: every queued message due for the owner merged into one (frequency cap).
CREATE TABLE care_dispatch (
    id           bigserial PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customer (id),
    locale       text NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    subject      text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX care_dispatch_customer_idx ON care_dispatch (customer_id, created_at DESC);
ALTER TABLE care_message ADD COLUMN dispatch_id bigint REFERENCES care_dispatch (id);

-- One delivery per dispatch and channel; retried with backoff until delivered or dead (at-least-once: the
-- receiver drops duplicates by delivery_key).
CREATE TABLE care_delivery (
    id               bigserial PRIMARY KEY,
    dispatch_id      bigint NOT NULL REFERENCES care_dispatch (id),
    channel          text NOT NULL CHECK (channel IN ('in_app', 'webhook', 'email')),
    target           text NOT NULL,
    delivery_key     uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL,
    delivered_at     timestamptz,
    last_error       text,
    UNIQUE (dispatch_id, channel)
);
CREATE INDEX care_delivery_due_idx ON care_delivery (next_attempt_at) WHERE status = 'pending';

CREATE TABLE delivery_attempt (
    id            bigserial PRIMARY KEY,
    delivery_id   bigint NOT NULL REFERENCES care_delivery (id),
    attempted_at  timestamptz NOT NULL,
    ok            boolean NOT NULL,
    detail        text NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempt_delivery_idx ON delivery_attempt (delivery_id, id);

-- The in-app feed the API serves; one item per dispatch, so a redelivery never shows twice.
CREATE TABLE inbox_item (
    id           bigserial PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customer (id),
    dispatch_id  bigint NOT NULL UNIQUE REFERENCES care_dispatch (id),
    subject      text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL,
    read_at      timestamptz
);
CREATE INDEX inbox_item_customer_idx ON inbox_item (customer_id, id);

-- Booking suggestions: a risk may be re-planned (old options expire, new ones take the ranks), so the rank is
-- unique only among live suggestions. An accepted booking holds its technician's time: two accepted bookings of
-- one technician never overlap, whatever the application does.
ALTER TABLE booking_suggestion DROP CONSTRAINT booking_suggestion_risk_id_rank_key;
CREATE UNIQUE INDEX booking_suggestion_live_rank_uniq ON booking_suggestion (risk_id, rank)
    WHERE status = 'suggested';
CREATE UNIQUE INDEX booking_suggestion_one_accepted_uniq ON booking_suggestion (risk_id)
    WHERE status = 'accepted';
ALTER TABLE booking_suggestion ADD COLUMN expires_at timestamptz;
ALTER TABLE booking_suggestion ADD COLUMN accepted_at timestamptz;
ALTER TABLE booking_suggestion ADD COLUMN accepted_by text CHECK (accepted_by IN ('owner', 'center'));
ALTER TABLE booking_suggestion ADD CONSTRAINT booking_suggestion_no_overlap
    EXCLUDE USING gist (int8range(technician_id, technician_id, '[]') WITH &&, tstzrange(slot_start, slot_end) WITH &&)
    WHERE (status = 'accepted');

-- One case per risk: where it is in detected -> notified -> booked -> checked_in -> serviced -> verified -> closed.
CREATE TABLE care_case (
    risk_id            bigint PRIMARY KEY REFERENCES risk (id),
    vehicle_id         bigint NOT NULL REFERENCES vehicle (id),
    stage              text NOT NULL DEFAULT 'detected'
                       CHECK (stage IN ('detected', 'notified', 'booked', 'checked_in', 'serviced', 'verified',
                                        'closed')),
    -- the owner declined with "don't remind me"
    muted              boolean NOT NULL DEFAULT false,
    -- severity the owner was last told about; a higher one triggers an escalation
    notified_severity  text,
    booking_id         bigint REFERENCES booking_suggestion (id),
    outcome            text CHECK (outcome IN ('fault_confirmed', 'no_fault_found')),
    -- [{"sku": ..., "qty": 1}]
    parts_used         jsonb,
    close_reason       text CHECK (close_reason IN ('verified', 'no_fault_found', 'resolved_by_itself',
                                                    'declined')),
    notified_at        timestamptz,
    booked_at          timestamptz,
    checked_in_at      timestamptz,
    serviced_at        timestamptz,
    verified_at        timestamptz,
    closed_at          timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_case_stage_idx ON care_case (stage);

-- Replays of a request with the same Idempotency-Key get the first answer.
CREATE TABLE idempotency_record (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_sig  text NOT NULL,
    status_code  integer NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

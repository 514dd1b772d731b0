-- The feedback loop, closed (issue #17): negative survey answers become tracked alerts assigned to the customer's
-- advisor; outreach tasks get outcomes; every state change a dealer system cares about becomes an event pushed to
-- the center's webhooks; webhook secrets can be rotated with a grace period.

-- Events of a center (core/events.py is the one writer): the generalized outbox. The id is what receivers dedupe
-- on; it is the same for every subscription of the center and across retries.
CREATE TABLE center_event (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    center_id   bigint NOT NULL REFERENCES service_center (id),
    type        text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX center_event_center_idx ON center_event (center_id, created_at);

-- Deliveries are per (subscription, suggestion) as before, or per (subscription, event). An event's deliveries
-- carry the event's id as their event_id, so event_id is unique per subscription, no longer globally.
ALTER TABLE webhook_delivery
    ALTER COLUMN suggestion_id DROP NOT NULL,
    ADD COLUMN center_event_id uuid REFERENCES center_event (id) ON DELETE CASCADE,
    ADD CONSTRAINT webhook_delivery_one_subject CHECK (num_nonnulls(suggestion_id, center_event_id) = 1),
    DROP CONSTRAINT webhook_delivery_event_id_key,
    ADD CONSTRAINT webhook_delivery_webhook_event_key UNIQUE (webhook_id, event_id);

-- The transactional outbox for events, as migration 0016 does for suggestions: the deliveries are written in the
-- transaction that writes the event. A ping goes to the one subscription it names (data.webhook_id) only.
CREATE FUNCTION enqueue_center_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_delivery (webhook_id, center_event_id, event_id, next_attempt_at)
    SELECT w.id, NEW.id, NEW.id, NEW.created_at
    FROM center_webhook w
    WHERE w.center_id = NEW.center_id
      AND w.revoked_at IS NULL
      AND center_webhook_key_live(w.created_by_key, NEW.created_at)
      AND (NEW.type <> 'webhook.ping' OR w.id = (NEW.data ->> 'webhook_id')::bigint)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER center_event_push
    AFTER INSERT ON center_event
    FOR EACH ROW EXECUTE FUNCTION enqueue_center_event();

-- Secret rotation: the new secret signs every delivery; until previous_secret_until the old one signs too (a
-- second value in X-Carecast-Signature), so the receiver can switch at any moment of the grace period.
ALTER TABLE center_webhook
    ADD COLUMN previous_secret text CHECK (length(previous_secret) >= 32),
    ADD COLUMN previous_secret_until timestamptz,
    ADD COLUMN secret_rotated_at timestamptz,
    ADD CONSTRAINT center_webhook_previous_secret_until
        CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL));

-- A negative survey answer, tracked (core/feedback.py is the one writer): created with the answer, assigned to
-- the customer's advisor, open -> acknowledged -> contacted -> resolved, each step stamped with who and when.
CREATE TABLE feedback_alert (
    id               bigserial PRIMARY KEY,
    survey_id        bigint NOT NULL UNIQUE REFERENCES survey (id) ON DELETE CASCADE,
    center_id        bigint NOT NULL REFERENCES service_center (id),
    customer_id      bigint NOT NULL REFERENCES customer (id),
    vehicle_id       bigint NOT NULL REFERENCES vehicle (id),
    risk_id          bigint NOT NULL REFERENCES risk (id),
    advisor_id       bigint REFERENCES advisor (id),
    -- the negative answers by question id (scores only: never the owner's free text)
    negative         jsonb NOT NULL CHECK (jsonb_typeof(negative) = 'object'),
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'acknowledged', 'contacted', 'resolved')),
    created_at       timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  bigint REFERENCES advisor (id),
    contacted_at     timestamptz,
    contacted_by     bigint REFERENCES advisor (id),
    resolved_at      timestamptz,
    resolved_by      bigint REFERENCES advisor (id),
    resolution       text CHECK (resolution IN ('apology', 'goodwill', 'rework_booked')),
    note             text CHECK (length(note) <= 2000),
    goodwill_kind    text CHECK (goodwill_kind IN ('coupon', 'points')),
    goodwill_amount  numeric(12, 2) CHECK (goodwill_amount > 0),
    goodwill_note    text CHECK (length(goodwill_note) <= 2000),
    goodwill_at      timestamptz,
    goodwill_by      bigint REFERENCES advisor (id),
    -- the e-mail to the assigned advisor (notify/advisor_alerts.py): sent, or retried with backoff until given up
    mail_sent_at     timestamptz,
    mail_attempts    integer NOT NULL DEFAULT 0 CHECK (mail_attempts >= 0),
    mail_next_at     timestamptz,
    mail_detail      text,
    CHECK ((status = 'open') = (acknowledged_at IS NULL)),
    CHECK ((status IN ('open', 'acknowledged')) = (contacted_at IS NULL)),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL)),
    CHECK ((goodwill_kind IS NULL) = (goodwill_amount IS NULL) AND (goodwill_kind IS NULL) = (goodwill_at IS NULL))
);
CREATE INDEX feedback_alert_center_idx ON feedback_alert (center_id, status, id);
CREATE INDEX feedback_alert_customer_idx ON feedback_alert (customer_id);
CREATE INDEX feedback_alert_mail_due_idx ON feedback_alert (mail_next_at) WHERE mail_sent_at IS NULL;

-- Outreach tasks close with an outcome, a note, who and when.
ALTER TABLE center_feed_item
    ADD COLUMN outcome text CHECK (outcome IN ('reached', 'booked', 'declined', 'unreachable')),
    ADD COLUMN outcome_note text CHECK (length(outcome_note) <= 2000),
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN closed_by bigint REFERENCES advisor (id),
    ADD CONSTRAINT center_feed_item_outcome_outreach CHECK (outcome IS NULL OR kind = 'outreach');

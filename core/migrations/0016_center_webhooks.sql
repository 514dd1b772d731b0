-- Webhook push per service center: a center registers subscriptions (POST /v1/service-centers/{id}/webhooks) and
-- every new booking suggestion for that center is delivered to each live subscription by notify, signed with the
-- subscription's own secret, through a durable outbox (at least once, retried with backoff).
CREATE TABLE center_webhook (
    id             bigserial PRIMARY KEY,
    center_id      bigint NOT NULL REFERENCES service_center (id),
    url            text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    -- Kept as is (not hashed): notify needs it to sign each delivery. Shown to the center once, at creation.
    secret         text NOT NULL CHECK (length(secret) >= 32),
    label          text CHECK (length(label) <= 200),
    created_by_key bigint REFERENCES api_key (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz
);
CREATE INDEX center_webhook_live_idx ON center_webhook (center_id) WHERE revoked_at IS NULL;

-- The outbox: one row per (subscription, suggestion). event_id is what the receiver dedupes on (it stays the
-- same across retries); UNIQUE (webhook_id, suggestion_id) makes the enqueue idempotent.
CREATE TABLE webhook_delivery (
    id              bigserial PRIMARY KEY,
    event_id        uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    webhook_id      bigint NOT NULL REFERENCES center_webhook (id) ON DELETE CASCADE,
    suggestion_id   bigint NOT NULL REFERENCES booking_suggestion (id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_detail     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (webhook_id, suggestion_id)
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status = 'pending';

-- The transactional outbox: the delivery rows are written in the same transaction as the suggestion, so a
-- suggestion that commits is always pushed and one that rolls back never is, whichever process wrote it. The
-- HTTP calls happen later, outside that transaction (notify's push job), so a slow receiver blocks nothing.
CREATE FUNCTION enqueue_center_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_delivery (webhook_id, suggestion_id)
    SELECT w.id, NEW.id
    FROM center_webhook w
    WHERE w.center_id = NEW.center_id AND w.revoked_at IS NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER booking_suggestion_push
    AFTER INSERT ON booking_suggestion
    FOR EACH ROW EXECUTE FUNCTION enqueue_center_webhooks();

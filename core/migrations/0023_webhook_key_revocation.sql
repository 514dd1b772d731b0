-- A center's webhook subscription lives only as long as the API key that registered it: once that key is revoked
-- or expired, the subscription gets no new pushes, its waiting pushes are not sent, and the center's list no
-- longer shows it (and it does not count towards the per-center cap). Otherwise a revoked key's subscriptions
-- would keep pushing VINs and customer names to wherever the key's holder pointed them.

-- The one definition of "the creating key still stands" (expired from expires_at on, as in migration 0022), used
-- by the enqueue trigger below, notify's push queries (notify/sql/push_due.sql, push_lock.sql) and the API's list
-- and cap (api/sql/webhook_*.sql). A subscription without a creating key (inserted by an operator) is tied to none.
CREATE FUNCTION center_webhook_key_live(creating_key bigint, at_time timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT creating_key IS NULL OR EXISTS (
        SELECT 1 FROM api_key k
        WHERE k.id = creating_key
          AND k.revoked_at IS NULL
          AND (k.expires_at IS NULL OR k.expires_at > at_time)
    )
$$;

CREATE OR REPLACE FUNCTION enqueue_center_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_delivery (webhook_id, suggestion_id)
    SELECT w.id, NEW.id
    FROM center_webhook w
    WHERE w.center_id = NEW.center_id
      AND w.revoked_at IS NULL
      AND center_webhook_key_live(w.created_by_key, now())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

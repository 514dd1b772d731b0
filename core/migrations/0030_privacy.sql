-- Privacy and data rights (issue #15, docs/privacy.md): consent honoured at send time, export and erasure of one
-- person's data, retention of what accumulates. A plain-table change on both storage modes: no variant files.

-- A delivery whose reason to go out went away before it went (consent withdrawn, the person's data erased) is
-- 'cancelled', with the reason in last_error; 'dead' stays "given up after its retries" (an alert).
ALTER TABLE care_delivery DROP CONSTRAINT care_delivery_status_check;
ALTER TABLE care_delivery ADD CONSTRAINT care_delivery_status_check
    CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled'));

-- Export and erasure read a person's booking options by whom they were offered to (0024).
CREATE INDEX booking_suggestion_customer_idx ON booking_suggestion (customer_id);
CREATE INDEX owner_token_customer_idx ON owner_token (customer_id);

-- Retention walks the outbox oldest first (core/sql/retention_messages.sql).
CREATE INDEX care_dispatch_created_idx ON care_dispatch (created_at);
CREATE INDEX care_message_created_idx ON care_message (created_at) WHERE status <> 'queued';

-- Set when erasure replaced the VIN by a random pseudonym (core/privacy.py): the vehicle's telemetry and
-- statistics stay under its id, nothing links them to the person any more.
ALTER TABLE vehicle ADD COLUMN vin_pseudonymised_at timestamptz;

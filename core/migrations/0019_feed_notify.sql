-- Change notifications for the API's in-process caches (api/feed_cache.py, api/feed_listener.py).
--
-- carecast_feed:    payload = a service center id whose suggested-bookings pages changed, or '*' (all centers).
-- carecast_api_key: payload = an api_key id whose principal changed (revoked, re-scoped, deleted), or '*'.
--
-- Every row that shows in a feed item (feed_page.sql: booking_suggestion, risk, vehicle, customer, technician) or
-- decides who may read it (api_key, service_center for an admin's 404) notifies on change. PostgreSQL sends a
-- notification at COMMIT and folds identical payloads of one transaction into one, so a batch of inserts for one
-- center costs that center one notification. Plain triggers on plain tables: the same on PostgreSQL and
-- TimescaleDB.

-- Lookups by risk and by vehicle for the triggers below (the live-rank indexes of 0007 are partial).
CREATE INDEX booking_suggestion_risk_idx ON booking_suggestion (risk_id);
CREATE INDEX booking_suggestion_vehicle_idx ON booking_suggestion (vehicle_id);

CREATE FUNCTION carecast_feed_notify_suggestion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('carecast_feed', OLD.center_id::text);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('carecast_feed', NEW.center_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER booking_suggestion_feed_notify
AFTER INSERT OR UPDATE OR DELETE ON booking_suggestion
FOR EACH ROW EXECUTE FUNCTION carecast_feed_notify_suggestion();

-- TRUNCATE (tests, resets) drops every center's pages.
CREATE FUNCTION carecast_feed_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER booking_suggestion_feed_truncate
AFTER TRUNCATE ON booking_suggestion
FOR EACH STATEMENT EXECUTE FUNCTION carecast_feed_notify_all('carecast_feed');

-- A joined row changed in a column the feed shows: notify every center holding a suggestion that joins it.
-- TG_ARGV[0] names the booking_suggestion column that references the changed row.
CREATE FUNCTION carecast_feed_notify_joined() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    center bigint;
BEGIN
    FOR center IN EXECUTE format(
        'SELECT DISTINCT center_id FROM booking_suggestion WHERE %I = $1', TG_ARGV[0]
    ) USING OLD.id LOOP
        PERFORM pg_notify('carecast_feed', center::text);
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER risk_feed_notify
AFTER UPDATE ON risk
FOR EACH ROW
WHEN ((OLD.kind, OLD.severity, OLD.confidence, OLD.diagnosis, OLD.predicted_date, OLD.predicted_low,
       OLD.predicted_high, OLD.evidence)
      IS DISTINCT FROM
      (NEW.kind, NEW.severity, NEW.confidence, NEW.diagnosis, NEW.predicted_date, NEW.predicted_low,
       NEW.predicted_high, NEW.evidence))
EXECUTE FUNCTION carecast_feed_notify_joined('risk_id');

CREATE TRIGGER vehicle_feed_notify
AFTER UPDATE ON vehicle
FOR EACH ROW
WHEN ((OLD.vin, OLD.model, OLD.powertrain, OLD.customer_id)
      IS DISTINCT FROM (NEW.vin, NEW.model, NEW.powertrain, NEW.customer_id))
EXECUTE FUNCTION carecast_feed_notify_joined('vehicle_id');

CREATE TRIGGER technician_feed_notify
AFTER UPDATE ON technician
FOR EACH ROW
WHEN ((OLD.name) IS DISTINCT FROM (NEW.name))
EXECUTE FUNCTION carecast_feed_notify_joined('technician_id');

CREATE FUNCTION carecast_feed_notify_customer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    center bigint;
BEGIN
    FOR center IN
        SELECT DISTINCT b.center_id
        FROM vehicle v JOIN booking_suggestion b ON b.vehicle_id = v.id
        WHERE v.customer_id = OLD.id
    LOOP
        PERFORM pg_notify('carecast_feed', center::text);
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER customer_feed_notify
AFTER UPDATE ON customer
FOR EACH ROW
WHEN ((OLD.name, OLD.segment, OLD.locale) IS DISTINCT FROM (NEW.name, NEW.segment, NEW.locale))
EXECUTE FUNCTION carecast_feed_notify_customer();

-- A center appearing or disappearing changes an admin key's answer (page or 404).
CREATE FUNCTION carecast_feed_notify_center() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('carecast_feed', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER service_center_feed_notify
AFTER INSERT OR DELETE ON service_center
FOR EACH ROW EXECUTE FUNCTION carecast_feed_notify_center();

-- API keys: revocation, re-scoping or deletion drops the cached principal (last_used_at stamps do not notify).
CREATE FUNCTION carecast_api_key_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('carecast_api_key', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_key_update_notify
AFTER UPDATE ON api_key
FOR EACH ROW
WHEN ((OLD.revoked_at, OLD.role, OLD.center_id, OLD.key_hash)
      IS DISTINCT FROM (NEW.revoked_at, NEW.role, NEW.center_id, NEW.key_hash))
EXECUTE FUNCTION carecast_api_key_notify();

CREATE TRIGGER api_key_delete_notify
AFTER DELETE ON api_key
FOR EACH ROW EXECUTE FUNCTION carecast_api_key_notify();

CREATE TRIGGER api_key_truncate_notify
AFTER TRUNCATE ON api_key
FOR EACH STATEMENT EXECUTE FUNCTION carecast_feed_notify_all('carecast_api_key');

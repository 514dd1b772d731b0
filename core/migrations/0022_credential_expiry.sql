-- Optional expiry of API keys and owner tokens (NULL: never expires). `carecast keys create --expires-in 90d`
-- sets it at creation; `carecast keys rotate` sets it on the old secret (now + grace) when it issues the new one.
-- From expires_at on the secret is refused with 401, as if revoked, but with a message saying it expired.
ALTER TABLE api_key ADD COLUMN expires_at timestamptz;
ALTER TABLE owner_token ADD COLUMN expires_at timestamptz;

-- A changed expiry (rotation) drops the key's cached principal in every API process, like a revocation
-- (migration 0019); the cached principal then comes back with the new expires_at.
DROP TRIGGER api_key_update_notify ON api_key;
CREATE TRIGGER api_key_update_notify
AFTER UPDATE ON api_key
FOR EACH ROW
WHEN ((OLD.revoked_at, OLD.role, OLD.center_id, OLD.key_hash, OLD.expires_at)
      IS DISTINCT FROM (NEW.revoked_at, NEW.role, NEW.center_id, NEW.key_hash, NEW.expires_at))
EXECUTE FUNCTION carecast_api_key_notify();

INSERT INTO advisor_session (id_hash, key_id, center_id, csrf_token, expires_at)
VALUES (%(id_hash)s, %(key_id)s, %(center_id)s, %(csrf)s, now() + make_interval(secs => %(ttl_s)s))

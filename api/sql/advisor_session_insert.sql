-- A new session of an advisor (the center is the advisor's own).
INSERT INTO advisor_session (id_hash, advisor_id, center_id, csrf_token, expires_at)
SELECT %(id_hash)s, a.id, a.center_id, %(csrf)s, now() + make_interval(secs => %(ttl_s)s)
FROM advisor a
WHERE a.id = %(advisor_id)s

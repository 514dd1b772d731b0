-- The advisor behind a one-time link that is unused, unexpired, and whose advisor is active.
SELECT t.advisor_id, t.purpose, a.name, a.login_email, a.center_id, sc.name AS center_name
FROM advisor_token t
JOIN advisor a ON a.id = t.advisor_id AND a.active
JOIN service_center sc ON sc.id = a.center_id
WHERE t.token_hash = %(token_hash)s AND t.used_at IS NULL AND t.expires_at > %(now)s

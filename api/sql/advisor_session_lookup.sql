-- A live session of an advisor who is still active and still has a password (deactivating ends the sessions).
SELECT s.advisor_id, a.center_id, sc.name AS center_name, a.name AS advisor_name, a.role, s.csrf_token
FROM advisor_session s
JOIN advisor a ON a.id = s.advisor_id AND a.active AND a.password_hash IS NOT NULL
JOIN service_center sc ON sc.id = a.center_id
WHERE s.id_hash = %(id_hash)s AND s.expires_at > now()

-- Who an API key is: its prefix, label, role and expiry, and the service center it belongs to (none for admin keys).
SELECT k.prefix, k.label, k.role, k.expires_at,
       c.id AS center_id, c.code AS center_code, c.name AS center_name, c.city AS center_city, c.tz AS center_tz
FROM api_key k
LEFT JOIN service_center c ON c.id = k.center_id
WHERE k.id = %(key_id)s

-- A live session whose key is still live (revoking the key, or its expiry, ends its sessions).
SELECT s.key_id, s.center_id, s.csrf_token, sc.name AS center_name
FROM advisor_session s
JOIN api_key k ON k.id = s.key_id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
JOIN service_center sc ON sc.id = s.center_id
WHERE s.id_hash = %(id_hash)s AND s.expires_at > now()

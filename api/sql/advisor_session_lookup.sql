-- A live session whose key is still active (revoking the key ends its sessions).
SELECT s.key_id, s.center_id, s.csrf_token, sc.name AS center_name
FROM advisor_session s
JOIN api_key k ON k.id = s.key_id AND k.revoked_at IS NULL
JOIN service_center sc ON sc.id = s.center_id
WHERE s.id_hash = %(id_hash)s AND s.expires_at > now()

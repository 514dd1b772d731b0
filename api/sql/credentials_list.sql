-- Every API key and owner token, without their hashes, oldest first.
SELECT 'api_key' AS kind, k.prefix, k.role, sc.code AS center_code, NULL::bigint AS customer_id, k.label,
       k.created_at, k.last_used_at, k.expires_at, k.revoked_at
FROM api_key k
LEFT JOIN service_center sc ON sc.id = k.center_id
UNION ALL
SELECT 'owner_token', t.prefix, 'owner', NULL, t.customer_id, '', t.created_at, t.last_used_at, t.expires_at,
       t.revoked_at
FROM owner_token t
ORDER BY created_at, prefix

-- A new one-time link for an advisor; the advisor's earlier unused links end (marked used) so only the newest works.
WITH superseded AS (
    UPDATE advisor_token SET used_at = %(now)s WHERE advisor_id = %(advisor_id)s AND used_at IS NULL
)
INSERT INTO advisor_token (token_hash, advisor_id, purpose, created_at, expires_at)
VALUES (%(token_hash)s, %(advisor_id)s, %(purpose)s, %(now)s, %(expires_at)s)

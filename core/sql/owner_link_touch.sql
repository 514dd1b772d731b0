-- Stamp a link's last use (at most once a minute, so reading the page stays cheap).
UPDATE owner_link SET last_used_at = %(now)s
WHERE id = %(id)s AND (last_used_at IS NULL OR last_used_at < %(now)s - interval '1 minute')

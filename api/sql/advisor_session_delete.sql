-- End one session, and drop expired ones while at it.
DELETE FROM advisor_session WHERE id_hash = %(id_hash)s OR expires_at < now()

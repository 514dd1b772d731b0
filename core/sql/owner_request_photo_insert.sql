-- The photo attached to an owner's request.
INSERT INTO owner_request_photo (risk_id, content_type, data, created_at)
VALUES (%(risk_id)s, %(content_type)s, %(data)s, %(now)s)

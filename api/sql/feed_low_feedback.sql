-- A low score reaches the center's feed at once, with the case attached.
INSERT INTO center_feed_item (center_id, kind, vehicle_id, risk_id, reason, detail, created_at)
VALUES (%(center_id)s, 'low_feedback', %(vehicle_id)s, %(risk_id)s, 'low_score', %(detail)s, now())
ON CONFLICT (risk_id) WHERE kind = 'low_feedback' DO NOTHING

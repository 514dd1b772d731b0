INSERT INTO center_feed_item (center_id, kind, vehicle_id, reason, detail, created_at)
VALUES (%(center_id)s, 'outreach', %(vehicle_id)s, %(reason)s, %(detail)s, %(now)s)
ON CONFLICT (vehicle_id) WHERE kind = 'outreach' AND status = 'open' DO NOTHING

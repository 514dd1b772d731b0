-- An owner's reply as a conversation item on the center's feed; a redelivered reply (same ref) lands once.
INSERT INTO center_feed_item (center_id, kind, vehicle_id, risk_id, reason, detail, created_at)
VALUES (%(center_id)s, 'owner_reply', %(vehicle_id)s, %(risk_id)s, %(reason)s, %(detail)s, %(now)s)
ON CONFLICT ((detail ->> 'ref')) WHERE kind = 'owner_reply' DO NOTHING

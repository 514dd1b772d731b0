INSERT INTO care_delivery (dispatch_id, channel, target, next_attempt_at)
VALUES (%(dispatch_id)s, %(channel)s, %(target)s, %(now)s)
ON CONFLICT (dispatch_id, channel) DO NOTHING

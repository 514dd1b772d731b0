-- The purposes already used in a risk's conversation, with when each was written.
SELECT purpose, created_at FROM care_message WHERE risk_id = %(risk_id)s

-- Drop expired advisor sessions (run at each login, so the table stays small without a scheduler).
DELETE FROM advisor_session WHERE expires_at < now()

-- Notify planned the owner's request: the page stops saying it is searching.
UPDATE owner_replan SET planned_at = %(now)s::timestamptz WHERE risk_id = %(risk_id)s AND planned_at IS NULL

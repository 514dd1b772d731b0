-- Deactivate one of a center's active advisors (held against the DMS import: deactivated_at), and release their
-- customers for reassignment. Returns the number of customers released (nothing: not an active advisor of this
-- center).
WITH off AS (
    UPDATE advisor SET active = false, deactivated_at = %(now)s
    WHERE id = %(advisor_id)s AND center_id = %(center_id)s AND active
    RETURNING id
), released AS (
    UPDATE customer c SET advisor_id = NULL FROM off WHERE c.advisor_id = off.id RETURNING c.id
)
SELECT (SELECT count(*) FROM released) AS released FROM off

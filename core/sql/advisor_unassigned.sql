-- Customers without an advisor (not erased) whose preferred center has an active advisor to take them (the
-- partial index customer_unassigned_idx of migration 0036 keeps this cheap on every import batch).
SELECT c.id, c.preferred_center_id FROM customer c
WHERE c.advisor_id IS NULL AND c.erased_at IS NULL
  AND (%(center_id)s::bigint IS NULL OR c.preferred_center_id = %(center_id)s)
  AND EXISTS (SELECT 1 FROM advisor a WHERE a.center_id = c.preferred_center_id AND a.active)
ORDER BY c.id

-- Notified, unbooked open risks that had offers but none is live any more, and those that just lost some to the
-- dealer's data (`refill`) or whose owner asked for another time on the owner page (owner_replan not yet planned):
-- they get fresh ones.
SELECT r.id
FROM risk r
JOIN care_case k ON k.risk_id = r.id AND k.stage = 'notified' AND NOT k.muted
WHERE r.status = 'open'
  AND EXISTS (SELECT 1 FROM booking_suggestion s WHERE s.risk_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM booking_suggestion s WHERE s.risk_id = r.id AND s.status = 'accepted')
  AND (r.id = ANY(%(refill)s::bigint[])
       OR EXISTS (SELECT 1 FROM owner_replan o WHERE o.risk_id = r.id AND o.planned_at IS NULL)
       OR NOT EXISTS (SELECT 1 FROM booking_suggestion s WHERE s.risk_id = r.id AND s.status = 'suggested'))
ORDER BY r.id
LIMIT %(limit)s

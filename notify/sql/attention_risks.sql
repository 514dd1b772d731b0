-- Risks whose conversation may need a step: open ones not yet booked, booked ones with messages still queued
-- (to cancel), and ones that stopped being open while the owner had been told (or was about to be).
SELECT r.id
FROM risk r
LEFT JOIN care_case k ON k.risk_id = r.id
WHERE (r.status = 'open' AND coalesce(k.stage, 'detected') IN ('detected', 'notified'))
   OR (r.status <> 'open' AND k.stage IN ('detected', 'notified'))
   OR (k.stage NOT IN ('detected', 'notified')
       AND EXISTS (SELECT 1 FROM care_message m
                   WHERE m.risk_id = r.id AND m.status = 'queued' AND m.purpose <> 'survey'
                     AND left(m.purpose, 9) <> 'progress_'))
ORDER BY r.id
LIMIT %(limit)s

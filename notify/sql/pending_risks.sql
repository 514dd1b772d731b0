-- Open risks that have no message of this purpose yet, oldest first.
SELECT r.id
FROM risk r
WHERE r.status = 'open'
  AND NOT EXISTS (SELECT 1 FROM care_message m WHERE m.risk_id = r.id AND m.purpose = %(purpose)s)
ORDER BY r.id
LIMIT %(limit)s

-- The customer's in-app inbox (delivered by notify's in-app channel), newest first. An item only about cars the
-- customer no longer owns is gone with the car (the previous owner loses access at once after a transfer).
SELECT i.id, i.subject, i.body, i.created_at, i.read_at
FROM inbox_item i
WHERE i.customer_id = %(customer_id)s
  AND (NOT EXISTS (SELECT 1 FROM care_message m WHERE m.dispatch_id = i.dispatch_id)
       OR EXISTS (SELECT 1 FROM care_message m
                  JOIN vehicle v ON v.id = m.vehicle_id
                  WHERE m.dispatch_id = i.dispatch_id AND v.customer_id = %(customer_id)s))
ORDER BY i.id DESC
LIMIT %(limit)s

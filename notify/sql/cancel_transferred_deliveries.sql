-- Pending deliveries of a dispatch whose messages are all about vehicles its owner no longer owns: called off with
-- the reason (the previous owner loses access at once). A digest that also covers a car they still own goes out.
UPDATE care_delivery d SET status = 'cancelled', last_error = 'vehicle_transferred'
FROM care_dispatch p
WHERE p.id = d.dispatch_id
  AND d.status = 'pending'
  AND EXISTS (SELECT 1 FROM care_message m WHERE m.dispatch_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM care_message m
                  JOIN vehicle v ON v.id = m.vehicle_id
                  WHERE m.dispatch_id = p.id AND v.customer_id = p.customer_id)

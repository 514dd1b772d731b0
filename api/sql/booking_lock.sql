-- One booking option with its risk, case and vehicle, row-locked for a lifecycle action. Scoped to the caller:
-- a center (center_id) or an owner (vin + customer_id: the car's owner now, and the one the option was offered to;
-- after a resale the buyer cannot act on the seller's options); out-of-scope rows are simply not found.
SELECT b.id, b.risk_id, b.vehicle_id, b.center_id, b.technician_id, b.status, b.slot_start, b.slot_end, b.parts,
       b.pickup_at,
       r.status AS risk_status, coalesce(k.stage, 'detected') AS stage, k.booking_id, k.outcome, k.muted,
       k.work_started_at
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
LEFT JOIN care_case k ON k.risk_id = b.risk_id
WHERE b.id = %(booking_id)s
  AND (%(center_id)s::bigint IS NULL OR b.center_id = %(center_id)s::bigint)
  AND (%(vin)s::text IS NULL
       OR (v.vin = %(vin)s::text AND v.customer_id = %(customer_id)s::bigint
           AND b.customer_id = %(customer_id)s::bigint))
FOR UPDATE OF b, r

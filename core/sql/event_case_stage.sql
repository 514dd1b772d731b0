-- The case's stage and stamps as they are now, at the center of its booking (or the customer's preferred center
-- before one is booked); nothing when the case has neither.
INSERT INTO center_event (center_id, type, data, created_at)
SELECT coalesce(b.center_id, c.preferred_center_id), 'case.stage_changed',
       jsonb_build_object(
           'risk_id', k.risk_id, 'vin', v.vin, 'stage', k.stage, 'booking_id', k.booking_id,
           'booked_at', k.booked_at, 'checked_in_at', k.checked_in_at, 'work_started_at', k.work_started_at,
           'serviced_at', k.serviced_at, 'closed_at', k.closed_at, 'outcome', k.outcome,
           'close_reason', k.close_reason
       ),
       %(now)s::timestamptz
FROM care_case k
JOIN vehicle v ON v.id = k.vehicle_id
JOIN customer c ON c.id = v.customer_id
LEFT JOIN booking_suggestion b ON b.id = k.booking_id
WHERE k.risk_id = %(risk_id)s AND coalesce(b.center_id, c.preferred_center_id) IS NOT NULL

-- The advisor's worklist: the center's live offers (slot not ended) and its booked visits still to be finished
-- (booked or checked in, whatever the slot's time), with the case, the car, the customer and the advisor they are
-- assigned to, the owner's phone, the latest message the owner was told and the price shown, and the case's last
-- notes. Soonest slot first; the view groups the rows of one case into one card.
SELECT b.id, b.rank, b.status, b.slot_start, b.slot_end, b.parts, b.estimate, b.pickup_address, b.pickup_at,
       b.risk_id, r.kind, r.severity, r.diagnosis, r.evidence, r.predicted_date,
       v.id AS vehicle_id, v.vin, v.model, v.plate,
       c.id AS customer_id, c.name AS customer_name, c.advisor_id, c.channels ->> 'phone' AS phone,
       a.name AS advisor_name, t.name AS technician_name, sc.tz,
       coalesce(cc.stage, 'detected') AS stage, cc.work_started_at, cc.booking_id AS case_booking_id,
       m.subject AS told_subject, m.body AS told_body, m.created_at AS told_at,
       coalesce(n.notes, '[]'::jsonb) AS notes
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id
JOIN service_center sc ON sc.id = b.center_id
LEFT JOIN advisor a ON a.id = c.advisor_id
LEFT JOIN care_case cc ON cc.risk_id = b.risk_id
LEFT JOIN LATERAL (
    SELECT cm.subject, cm.body, cm.created_at FROM care_message cm
    WHERE cm.risk_id = b.risk_id ORDER BY cm.created_at DESC, cm.id DESC LIMIT 1
) m ON true
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('body', x.body, 'at', x.created_at, 'by', x.advisor_name)
                     ORDER BY x.id DESC) AS notes
    FROM (SELECT cn.id, cn.body, cn.created_at, na.name AS advisor_name
          FROM case_note cn LEFT JOIN advisor na ON na.id = cn.advisor_id
          WHERE cn.risk_id = b.risk_id AND cn.center_id = b.center_id
          ORDER BY cn.id DESC LIMIT 5) x
) n ON true
WHERE b.center_id = %(center_id)s
  AND ((b.status = 'suggested' AND b.slot_end > %(now)s)
       OR (b.status = 'accepted' AND cc.booking_id = b.id AND cc.stage IN ('booked', 'checked_in')))
ORDER BY b.slot_start, b.id
LIMIT 300

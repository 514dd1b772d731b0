SELECT b.id, b.risk_id, b.status, b.center_id, b.technician_id, b.slot_start, b.slot_end, b.parts,
       b.accepted_at, b.accepted_by, coalesce(k.stage, 'detected') AS stage, k.outcome, k.parts_used,
       coalesce(k.muted, false) AS muted
FROM booking_suggestion b
LEFT JOIN care_case k ON k.risk_id = b.risk_id
WHERE b.id = %(booking_id)s

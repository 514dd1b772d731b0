-- What a conversation message about a risk says, read when it is delivered: the risk as it is now, the car and
-- its owner (name, language, time zone, segment). No row when the car no longer belongs to the message's owner
-- (the pass calls such messages off).
SELECT r.kind, r.severity, r.diagnosis, r.evidence, r.predicted_date, r.predicted_low, r.predicted_high,
       v.vin, v.model, c.name AS customer_name, c.locale, c.tz AS customer_tz, c.segment
FROM risk r
JOIN vehicle v ON v.id = r.vehicle_id
JOIN customer c ON c.id = v.customer_id
WHERE r.id = %(risk_id)s AND v.customer_id = %(customer_id)s

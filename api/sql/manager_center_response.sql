-- Per center: how its suggestions created in the window were answered, and how long acceptance took (hours).
SELECT sc.id AS center_id, sc.code, sc.name,
       count(b.id) AS suggested,
       count(b.id) FILTER (WHERE b.status = 'accepted') AS accepted,
       count(b.id) FILTER (WHERE b.status = 'declined') AS declined,
       count(b.id) FILTER (WHERE b.status = 'expired') AS expired,
       count(b.id) FILTER (WHERE b.status = 'suggested') AS pending,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM b.accepted_at - b.created_at) / 3600.0)
           FILTER (WHERE b.accepted_at IS NOT NULL) AS accept_hours_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM b.accepted_at - b.created_at) / 3600.0)
           FILTER (WHERE b.accepted_at IS NOT NULL) AS accept_hours_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.checked_in_at - k.booked_at) / 3600.0)
           FILTER (WHERE k.checked_in_at IS NOT NULL AND k.booking_id = b.id) AS booked_to_check_in_hours_median
FROM service_center sc
LEFT JOIN booking_suggestion b ON b.center_id = sc.id AND b.created_at >= %(since)s
LEFT JOIN care_case k ON k.risk_id = b.risk_id
GROUP BY sc.id, sc.code, sc.name
ORDER BY sc.id

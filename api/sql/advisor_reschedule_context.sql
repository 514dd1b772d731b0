-- What moving a booked visit needs: its slot and technician, the center's opening hours and zone, its closed days
-- ahead, and the technician's busy periods ahead (other accepted bookings, live DMS appointments, absences).
SELECT b.id, b.technician_id, b.slot_start, b.slot_end, b.pickup_at, sc.tz, sc.opening_hours,
       coalesce((SELECT array_agg(d.day) FROM center_calendar_day d
                 WHERE d.center_id = b.center_id AND d.kind IN ('closed', 'holiday')
                   AND d.day >= (%(now)s AT TIME ZONE sc.tz)::date), '{}') AS closed_days,
       coalesce((SELECT jsonb_agg(jsonb_build_array(x.starts, x.ends)) FROM (
                     SELECT o.slot_start AS starts, o.slot_end AS ends FROM booking_suggestion o
                     WHERE o.technician_id = b.technician_id AND o.status = 'accepted' AND o.id <> b.id
                       AND o.slot_end > %(now)s
                     UNION ALL
                     SELECT a.starts, a.ends FROM dms_appointment a
                     WHERE a.technician_id = b.technician_id AND NOT a.cancelled AND a.ends > %(now)s
                     UNION ALL
                     SELECT t.starts, t.ends FROM technician_absence t
                     WHERE t.technician_id = b.technician_id AND t.ends > %(now)s) x), '[]') AS busy
FROM booking_suggestion b
JOIN service_center sc ON sc.id = b.center_id
WHERE b.id = %(booking_id)s AND b.center_id = %(center_id)s

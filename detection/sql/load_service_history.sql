-- Per vehicle, what the maintenance rule counts a service schedule from (detection/frame.py
-- SERVICE_HISTORY_COLUMNS): the fleet day (05:00 to 05:00 China Standard Time, labelled with its date, as the rollup)
-- of the last maintenance visit up to %(now)s and the odometer then, the registration date or else the day the car
-- came to Carecast, and the odometer at registration. Every vehicle, or only those given.
SELECT v.id AS vehicle_id,
       (m.visited_at AT TIME ZONE 'UTC' + INTERVAL '3 hours')::date AS last_maintenance_day,
       coalesce(v.registered_on, (v.created_at AT TIME ZONE 'UTC' + INTERVAL '3 hours')::date) AS in_service_day,
       CASE WHEN m.visited_at IS NOT NULL THEN m.odometer_km ELSE v.odometer_at_registration_km END
           AS service_basis_km
FROM vehicle v
LEFT JOIN LATERAL (
    SELECT s.visited_at, s.odometer_km
    FROM service_visit s
    WHERE s.vehicle_id = v.id AND 'maintenance' = ANY(s.work) AND s.visited_at <= %(now)s::timestamptz
    ORDER BY s.visited_at DESC
    LIMIT 1
) m ON true
WHERE (%(vehicle_ids)s::bigint[] IS NULL OR v.id = ANY(%(vehicle_ids)s::bigint[]))
  -- every shard, or only one of a sharded pass (vehicle id modulo the shard count)
  AND (%(shards)s::integer IS NULL OR mod(v.id, %(shards)s::integer) = %(shard)s::integer)

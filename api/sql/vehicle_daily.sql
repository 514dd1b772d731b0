-- A vehicle's daily rollup since a day (fleet days, labelled with their date), oldest first: what the health summary and the SOH chart read.
SELECT (day AT TIME ZONE 'UTC')::date AS day, lv_v_min, lv_v_rest_avg, hv_soh_avg, pad_wear_max, air_temp_min,
       odometer_max_m
FROM telemetry_daily
WHERE vehicle_id = %(vehicle_id)s AND day >= %(since)s
ORDER BY day

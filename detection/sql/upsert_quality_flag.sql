-- One data-quality issue of a vehicle on a day; re-runs keep the first sighting.
INSERT INTO data_quality_flag (vehicle_id, day, issue, detail, first_seen_at)
VALUES (%(vehicle_id)s, %(day)s, %(issue)s, %(detail)s, %(now)s)
ON CONFLICT (vehicle_id, day, issue) DO NOTHING;

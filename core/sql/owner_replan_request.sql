-- The owner asked for another time: store (or replace) the preference; notify's next pass plans it.
INSERT INTO owner_replan (risk_id, earliest_date, part_of_day, nearby, requested_at, planned_at)
VALUES (%(risk_id)s, %(earliest_date)s::date, %(part_of_day)s, %(nearby)s, %(now)s::timestamptz, NULL)
ON CONFLICT (risk_id) DO UPDATE
SET earliest_date = EXCLUDED.earliest_date, part_of_day = EXCLUDED.part_of_day, nearby = EXCLUDED.nearby,
    requested_at = EXCLUDED.requested_at, planned_at = NULL

-- When a person owned a vehicle, as a half-open range [starts, ends): what the person's data rights reach
-- (core/privacy.py exports and erases the risks, visits, request photos and advisors' notes of those periods).
-- The first owner Carecast knows of owned the car before Carecast did, so their period starts at -infinity; an
-- open period ends at infinity.
CREATE VIEW ownership_period AS
SELECT o.customer_id, o.vehicle_id, o.since, o.until,
       CASE WHEN EXISTS (SELECT 1 FROM vehicle_ownership p WHERE p.vehicle_id = o.vehicle_id AND p.since < o.since)
            THEN o.since ELSE '-infinity'::timestamptz END AS starts,
       coalesce(o.until, 'infinity'::timestamptz) AS ends
FROM vehicle_ownership o;

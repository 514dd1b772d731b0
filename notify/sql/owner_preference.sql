-- The owner's "another time" preference for one risk (owner page, migration 0034), if any.
SELECT earliest_date, part_of_day, nearby FROM owner_replan WHERE risk_id = %(risk_id)s

-- "Another time" from the owner page: the owner's preference for new offers of one risk. The API records it (and
-- releases the risk's offers, or its booking when the center's cutoff allows) through core/bookings.py, the one
-- writer of this table; notify's next pass re-plans the risk honouring it and stamps planned_at.
CREATE TABLE owner_replan (
    risk_id       bigint PRIMARY KEY REFERENCES risk (id) ON DELETE CASCADE,
    earliest_date date,
    -- which part of the day (center's local time): any, morning (starts before 12:00), afternoon, weekend
    part_of_day   text NOT NULL DEFAULT 'any' CHECK (part_of_day IN ('any', 'morning', 'afternoon', 'weekend')),
    -- false: the preferred center only; true: it and the centers near it
    nearby        boolean NOT NULL DEFAULT false,
    requested_at  timestamptz NOT NULL,
    planned_at    timestamptz
);

-- Booking planning over the dealer's master data (issue #15). What the dealer's data now says about a live offer or
-- booking: an offer it invalidates is released and re-planned, an accepted booking is never moved but surfaced to
-- its center as a 'booking_conflict' feed item (one per booking) so an advisor can rebook.

-- Why a slot of a center's technician can no longer be honoured, or NULL: the center closed for good, a closed or
-- holiday day of its own, the technician left, is absent, or the DMS booked them for other work. The DMS copy of a
-- Carecast booking (external_ref 'carecast-<booking id>', docs/dms-bookings.md) is the same job, not a conflict.
CREATE FUNCTION booking_slot_conflict(
    p_booking_id bigint, p_center_id bigint, p_technician_id bigint, p_starts timestamptz, p_ends timestamptz
) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN NOT c.active THEN 'center_inactive'
        WHEN EXISTS (SELECT 1 FROM center_calendar_day d
                     WHERE d.center_id = c.id AND d.kind IN ('closed', 'holiday')
                       AND d.day BETWEEN (p_starts AT TIME ZONE c.tz)::date AND (p_ends AT TIME ZONE c.tz)::date)
            THEN 'center_day_closed'
        WHEN NOT t.active THEN 'technician_inactive'
        WHEN EXISTS (SELECT 1 FROM technician_absence x
                     WHERE x.technician_id = p_technician_id AND x.starts < p_ends AND x.ends > p_starts)
            THEN 'technician_absent'
        WHEN EXISTS (SELECT 1 FROM dms_appointment a
                     WHERE a.technician_id = p_technician_id AND NOT a.cancelled
                       AND a.starts < p_ends AND a.ends > p_starts
                       AND a.external_ref <> 'carecast-' || p_booking_id)
            THEN 'dms_appointment'
    END
    FROM service_center c, technician t
    WHERE c.id = p_center_id AND t.id = p_technician_id
$$;

ALTER TABLE center_feed_item DROP CONSTRAINT center_feed_item_kind_check;
ALTER TABLE center_feed_item ADD CONSTRAINT center_feed_item_kind_check
    CHECK (kind IN ('low_feedback', 'outreach', 'booking_conflict'));
ALTER TABLE center_feed_item ADD COLUMN booking_id bigint REFERENCES booking_suggestion (id);
CREATE UNIQUE INDEX center_feed_conflict_uniq ON center_feed_item (booking_id) WHERE kind = 'booking_conflict';

-- Live offers and bookings ahead, per center: what the busy read and the per-pass conflict check scan.
CREATE INDEX booking_suggestion_live_idx ON booking_suggestion (center_id, slot_end)
    WHERE status IN ('suggested', 'accepted');

-- A vehicle that changes hands: the notify pass calls off what was still on its way to the previous owner, looking
-- up the messages of each pending dispatch.
CREATE INDEX care_message_dispatch_idx ON care_message (dispatch_id) WHERE dispatch_id IS NOT NULL;

-- Lines of the reservation no longer in it.
DELETE FROM dms_part_reservation
WHERE center_id = %(center_id)s AND external_ref = %(external_ref)s AND NOT (part_id = ANY(%(part_ids)s))

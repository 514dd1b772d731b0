-- A pending delivery that must not go out any more (consent withdrawn, data erased): cancelled, with the reason.
UPDATE care_delivery SET status = 'cancelled', last_error = %(reason)s
WHERE id = %(id)s AND status = 'pending'

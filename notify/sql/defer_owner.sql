-- The frequency cap or quiet hours hold the owner's queued messages until `at`.
UPDATE care_message SET send_after = %(at)s
WHERE customer_id = %(customer_id)s AND status = 'queued' AND send_after < %(at)s

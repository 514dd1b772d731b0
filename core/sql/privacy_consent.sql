-- The person's consent per channel, as recorded.
SELECT channel, granted, recorded_at, source FROM customer_consent WHERE customer_id = %(customer_id)s
ORDER BY channel

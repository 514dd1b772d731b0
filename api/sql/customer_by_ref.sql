-- The id of the customer with this reference (the dealer's key, `carecast import customers`); erased ones excluded.
SELECT id FROM customer WHERE ref = %(ref)s AND erased_at IS NULL

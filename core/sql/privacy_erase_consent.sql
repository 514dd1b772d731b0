-- Erasure deletes the consent records: nothing may be sent to an erased person.
DELETE FROM customer_consent WHERE customer_id = %(customer_id)s

-- The person to erase, locked for the erasure's transaction.
SELECT id, erased_at FROM customer WHERE ref = %(ref)s FOR UPDATE

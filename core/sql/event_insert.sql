-- One center event; the trigger of migration 0037 writes its webhook deliveries in the same transaction.
INSERT INTO center_event (center_id, type, data, created_at)
VALUES (%(center_id)s, %(type)s, %(data)s, %(now)s)
RETURNING id::text

INSERT INTO idempotency_record (scope, key, request_sig, status_code, response)
VALUES (%(scope)s, %(key)s, %(sig)s, %(status)s, %(response)s)

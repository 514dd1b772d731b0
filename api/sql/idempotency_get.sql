SELECT request_sig, status_code, response FROM idempotency_record WHERE scope = %(scope)s AND key = %(key)s

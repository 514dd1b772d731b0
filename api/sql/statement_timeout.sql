-- Bound every statement of the current transaction (readiness probes must not hang on a stuck server).
SELECT set_config('statement_timeout', %(timeout)s, true)

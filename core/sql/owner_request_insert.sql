-- An owner's request as a risk of kind owner_request (one open per car: nothing is inserted while one is open).
INSERT INTO risk (vehicle_id, kind, rule_id, rule_version, severity, confidence, diagnosis, evidence, first_seen_at,
                  last_seen_at)
VALUES (%(vehicle_id)s, 'owner_request', 'owner_request', 1, %(severity)s, 1.0, %(category)s, %(evidence)s, %(now)s,
        %(now)s)
ON CONFLICT (vehicle_id, kind) WHERE status = 'open' DO NOTHING
RETURNING id

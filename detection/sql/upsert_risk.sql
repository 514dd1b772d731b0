-- Open a risk, or refresh the one open risk of this vehicle and kind (risk_open_uniq). Returns whether it was new.
INSERT INTO risk (vehicle_id, kind, rule_id, rule_version, status, severity, confidence, predicted_date,
                  predicted_low, predicted_high, diagnosis, evidence, first_seen_at, last_seen_at)
VALUES (%(vehicle_id)s, %(kind)s, %(rule_id)s, %(rule_version)s, 'open', %(severity)s, %(confidence)s,
        %(predicted_date)s, %(predicted_low)s, %(predicted_high)s, %(diagnosis)s, %(evidence)s, %(now)s, %(now)s)
ON CONFLICT (vehicle_id, kind) WHERE status = 'open' DO UPDATE SET
    rule_id = EXCLUDED.rule_id,
    rule_version = EXCLUDED.rule_version,
    severity = EXCLUDED.severity,
    confidence = EXCLUDED.confidence,
    predicted_date = EXCLUDED.predicted_date,
    predicted_low = EXCLUDED.predicted_low,
    predicted_high = EXCLUDED.predicted_high,
    diagnosis = EXCLUDED.diagnosis,
    evidence = EXCLUDED.evidence,
    last_seen_at = greatest(risk.last_seen_at, EXCLUDED.last_seen_at)
RETURNING id, (xmax = 0) AS inserted;

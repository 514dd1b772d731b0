-- One ground-truth event of a simulated vehicle (re-running the same backfill keeps one row).
INSERT INTO sim_ground_truth (seed, vin, kind, mode, fault_start, failure_date, service_date)
VALUES (%(seed)s, %(vin)s, %(kind)s, %(mode)s, %(fault_start)s, %(failure_date)s, %(service_date)s)
ON CONFLICT (seed, vin, kind, mode, failure_date) DO NOTHING;

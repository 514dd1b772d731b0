-- Plan a sharded pass (fails on detection_pass_one_running while another runs: the caller adopts that one).
INSERT INTO detection_pass (pass_at, shards, lookback_days, scope, vehicle_ids, newest_received, refreshed_from,
                            storage_mode, leader)
VALUES (%(pass_at)s, %(shards)s, %(lookback_days)s, %(scope)s, %(vehicle_ids)s, %(newest_received)s,
        %(refreshed_from)s, %(storage_mode)s, %(leader)s)
RETURNING id;

-- The pending shards 0 .. shards - 1 of a pass just planned.
INSERT INTO detection_shard (pass_id, shard)
SELECT %(pass_id)s, n FROM generate_series(0, %(shards)s::integer - 1) AS n;

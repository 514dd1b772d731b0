-- Forget passes that ended more than a day ago (their shards go with them): the table stays a day of history.
DELETE FROM detection_pass
WHERE state <> 'running' AND finished_at < clock_timestamp() - INTERVAL '1 day';

-- How far a pass is: its shards, those done, and those given up (tried max_attempts times and not running now).
SELECT count(*) AS shards,
       count(*) FILTER (WHERE state = 'done') AS done,
       count(*) FILTER (WHERE state <> 'done' AND attempts >= %(max_attempts)s
                          AND (state = 'pending' OR lease_until < clock_timestamp())) AS given_up
FROM detection_shard
WHERE pass_id = %(pass_id)s;

-- What each shard of a pass judged, who did it and how many times it was claimed (more than once: taken over).
SELECT shard, holder, attempts, counts
FROM detection_shard
WHERE pass_id = %(pass_id)s
ORDER BY shard;

-- End the running pass as done or failed; no row when it had ended already (two leaders during a lock hand-over).
UPDATE detection_pass
SET state = %(state)s, finished_at = clock_timestamp()
WHERE id = %(pass_id)s AND state = 'running'
RETURNING id;

-- TimescaleDB: keep the retention policy of migration 0003 at the configured age, so the background job and
-- Carecast's own run never disagree; returns the job changed (none when it already matched).
SELECT j.job_id, alter_job(j.job_id,
                           config => jsonb_set(j.config, '{drop_after}', to_jsonb(%(drop_after)s::text)))
FROM timescaledb_information.jobs j
WHERE j.proc_name = 'policy_retention'
  AND j.hypertable_schema = current_schema() AND j.hypertable_name = 'telemetry'
  AND j.config ->> 'drop_after' IS DISTINCT FROM %(drop_after)s::text

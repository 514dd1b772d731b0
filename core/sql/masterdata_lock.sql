-- One master-data import at a time (two imports of the same entity would race on the natural keys); released at
-- commit or rollback.
SELECT pg_advisory_xact_lock(hashtext('carecast.masterdata.import'));

-- Serialise concurrent seeders (the customer upsert has no unique key to lean on); released at commit.
SELECT pg_advisory_xact_lock(hashtext('carecast.simulators.seed'));

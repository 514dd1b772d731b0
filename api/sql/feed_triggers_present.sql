-- True when migration 0019's notify triggers are installed (without them the caches would never hear of changes).
SELECT count(*) = 2 AS present
FROM pg_trigger
WHERE tgname IN ('booking_suggestion_feed_notify', 'api_key_update_notify') AND NOT tgisinternal

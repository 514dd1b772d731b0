-- Center events are kept for CARECAST_RETENTION__EVENTS_DAYS (core/retention.py deletes older ones in slices, by
-- creation time, with their delivered or dead deliveries): index that order.
CREATE INDEX center_event_created_idx ON center_event (created_at);

-- Lock one due push (skipped when another notify holds it, or when its subscription ended or its creating key was
-- revoked or expired meanwhile) with its subscription's secrets (the previous one only inside its grace period)
-- and the JSON body to send: the event envelope around either a center event's data (migration 0037) or the
-- suggestion in the feed's SuggestedBooking shape (its state when sent).
SELECT d.id, d.attempts, w.url, w.secret,
       CASE WHEN w.previous_secret_until > %(now)s THEN w.previous_secret END AS previous_secret,
       coalesce(e.type, 'booking_suggestion.created') AS type,
       json_build_object(
           'event_id', d.event_id,
           'type', coalesce(e.type, 'booking_suggestion.created'),
           'center_id', coalesce(e.center_id, si.center_id),
           'created_at', btrim(to_json(coalesce(e.created_at, d.created_at) AT TIME ZONE 'UTC')::text, '"') || 'Z',
           'data', coalesce(e.data::json, si.item)
       )::text AS body,
       d.event_id::text AS event_id
FROM webhook_delivery d
JOIN center_webhook w ON w.id = d.webhook_id
LEFT JOIN booking_suggestion_item si ON si.id = d.suggestion_id
LEFT JOIN center_event e ON e.id = d.center_event_id
WHERE d.id = %(id)s AND d.status = 'pending' AND w.revoked_at IS NULL
  AND (si.id IS NOT NULL OR e.id IS NOT NULL)
  AND center_webhook_key_live(w.created_by_key, %(now)s)  -- checked again: the key may be revoked since push_due
FOR UPDATE OF d SKIP LOCKED

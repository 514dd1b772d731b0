-- Lock one due push (skipped when another notify holds it, or when its subscription ended or its creating key was
-- revoked or expired meanwhile) with its subscription and the JSON body to send:
-- the event envelope around the suggestion in the feed's SuggestedBooking shape (its state when sent).
SELECT d.id, d.attempts, w.url, w.secret,
       json_build_object(
           'event_id', d.event_id,
           'type', 'booking_suggestion.created',
           'center_id', si.center_id,
           'created_at', btrim(to_json(d.created_at AT TIME ZONE 'UTC')::text, '"') || 'Z',
           'data', si.item
       )::text AS body,
       d.event_id::text AS event_id
FROM webhook_delivery d
JOIN center_webhook w ON w.id = d.webhook_id
JOIN booking_suggestion_item si ON si.id = d.suggestion_id
WHERE d.id = %(id)s AND d.status = 'pending' AND w.revoked_at IS NULL
  AND center_webhook_key_live(w.created_by_key, %(now)s)  -- checked again: the key may be revoked since push_due
FOR UPDATE OF d SKIP LOCKED

-- Message texts and addresses of the person: subjects and bodies of messages, dispatches and inbox items, delivery
-- targets and error texts (an SMTP error may quote the address), attempt details. Queued messages and pending
-- deliveries are cancelled. Rows stay (cases, frequency cap and delivery statistics count them). Returns counts.
WITH messages AS (
    UPDATE care_message
    SET subject = '', body = '', status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END
    WHERE customer_id = %(customer_id)s AND (subject <> '' OR body <> '' OR status = 'queued')
    RETURNING id
), dispatches AS (
    UPDATE care_dispatch SET subject = '', body = ''
    WHERE customer_id = %(customer_id)s
    RETURNING id
), pending AS (
    SELECT d.id FROM care_delivery d
    JOIN care_dispatch x ON x.id = d.dispatch_id
    WHERE x.customer_id = %(customer_id)s AND d.status = 'pending'
), deliveries AS (
    UPDATE care_delivery
    SET target = '',
        status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
        last_error = CASE WHEN status = 'pending' THEN 'cancelled: personal data erased'
                          WHEN status = 'cancelled' THEN last_error  -- a reason, never an address
                          WHEN last_error IS NOT NULL THEN 'erased' END
    WHERE dispatch_id IN (SELECT id FROM dispatches)
    RETURNING id
), attempts AS (
    UPDATE delivery_attempt SET detail = ''
    WHERE delivery_id IN (SELECT id FROM deliveries) AND detail <> ''
    RETURNING id
), inbox AS (
    UPDATE inbox_item SET subject = '', body = ''
    WHERE customer_id = %(customer_id)s AND (subject <> '' OR body <> '')
    RETURNING id
)
SELECT (SELECT count(*) FROM messages) AS messages,
       (SELECT count(*) FROM pending) AS deliveries_cancelled,
       (SELECT count(*) FROM inbox) AS inbox_items

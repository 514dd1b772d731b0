UPDATE care_message SET status = 'sent', sent_at = %(now)s, dispatch_id = %(dispatch_id)s WHERE id = ANY(%(ids)s)

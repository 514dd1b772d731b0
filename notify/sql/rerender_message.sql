-- A queued message as rendered at its dispatch: the text the owner actually receives.
UPDATE care_message SET locale = %(locale)s, subject = %(subject)s, body = %(body)s WHERE id = %(id)s

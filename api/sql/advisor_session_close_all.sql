-- End every session of one advisor ("log out everywhere", deactivation, a new password).
DELETE FROM advisor_session WHERE advisor_id = %(advisor_id)s

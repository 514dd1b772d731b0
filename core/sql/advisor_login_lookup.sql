-- The account with this login e-mail (any case): its password hash and whether it may log in.
SELECT id, center_id, password_hash, active FROM advisor WHERE lower(login_email) = lower(%(email)s)

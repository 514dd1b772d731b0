-- The advisor an invitation is for: the center's DMS advisor with this e-mail who has no account yet, or the
-- center's account with this login e-mail that the center deactivated (back, with a new password: the old one
-- ends), both claimed; else a new advisor (employee number generated: Carecast made them, not the DMS). Returns
-- the id.
WITH claimed AS (
    UPDATE advisor
    SET login_email = %(email)s, role = %(role)s, invited_at = %(now)s, active = true, deactivated_at = NULL,
        password_hash = NULL
    WHERE id = (
        SELECT id FROM advisor
        WHERE center_id = %(center_id)s
          AND ((login_email IS NULL AND lower(email) = lower(%(email)s))
               OR (lower(login_email) = lower(%(email)s) AND deactivated_at IS NOT NULL))
        ORDER BY login_email IS NULL, id LIMIT 1
    )
    RETURNING id
), created AS (
    INSERT INTO advisor (center_id, employee_no, name, email, login_email, role, invited_at)
    SELECT %(center_id)s, 'carecast-' || gen_random_uuid(), %(name)s, %(email)s, %(email)s, %(role)s, %(now)s
    WHERE NOT EXISTS (SELECT 1 FROM claimed)
    RETURNING id
)
SELECT id FROM claimed UNION ALL SELECT id FROM created

-- A center's advisors with their role, account state (deactivated here: by the center, not the DMS) and how many
-- (not erased) customers each has.
SELECT a.id, a.name, a.employee_no, a.login_email, a.role, a.active,
       a.deactivated_at IS NOT NULL AS deactivated_here, a.password_hash IS NOT NULL AS has_password, a.invited_at,
       count(c.id) AS customers
FROM advisor a
LEFT JOIN customer c ON c.advisor_id = a.id AND c.erased_at IS NULL
WHERE a.center_id = %(center_id)s
GROUP BY a.id
ORDER BY a.active DESC, a.name, a.id

-- A center's newest audit rows, with the acting advisor's name (NULL: an operator at the command line) and the
-- center's time zone.
SELECT l.at, l.action, l.subject, l.detail, a.name AS advisor_name, sc.tz
FROM advisor_audit l
JOIN service_center sc ON sc.id = l.center_id
LEFT JOIN advisor a ON a.id = l.advisor_id
WHERE l.center_id = %(center_id)s
ORDER BY l.at DESC, l.id DESC
LIMIT %(limit)s

-- Active advisors and how many (not erased) customers each has now, of one center or of all.
SELECT a.id, a.center_id, count(c.id) AS customers
FROM advisor a
LEFT JOIN customer c ON c.advisor_id = a.id AND c.erased_at IS NULL
WHERE a.active AND (%(center_id)s::bigint IS NULL OR a.center_id = %(center_id)s)
GROUP BY a.id

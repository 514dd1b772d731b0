-- Surveys answered since `since` (one center, or all when center_id is null), with questions and answers.
SELECT s.center_id, s.customer_id, s.answered_at, s.questions, s.answers
FROM survey s
WHERE s.answered_at >= %(since)s AND s.answers IS NOT NULL
  AND (%(center_id)s::bigint IS NULL OR s.center_id = %(center_id)s::bigint)
ORDER BY s.answered_at

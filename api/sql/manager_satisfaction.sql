-- Per center: answered surveys in the window, the mean of their 1-5 scores, and how many had a score of 2 or less.
SELECT s.center_id, count(DISTINCT s.id) AS answered,
       avg((a.value)::numeric)::float AS mean_score,
       count(DISTINCT s.id) FILTER (WHERE (a.value)::numeric <= 2) AS low_scores
FROM survey s
CROSS JOIN LATERAL jsonb_each(s.answers) a
WHERE s.answered_at >= %(since)s AND jsonb_typeof(a.value) = 'number'
GROUP BY s.center_id

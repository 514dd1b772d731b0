-- Assign customers (JSON array of {customer_id, advisor_id}) that still have no advisor.
UPDATE customer c SET advisor_id = r.advisor_id
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (customer_id bigint, advisor_id bigint)
WHERE c.id = r.customer_id AND c.advisor_id IS NULL

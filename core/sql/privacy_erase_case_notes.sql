-- Advisors' notes on the cases of the person's cars go: free text about the person (case_note, migration 0038).
DELETE FROM case_note n
USING risk r, vehicle v
WHERE n.risk_id = r.id AND r.vehicle_id = v.id AND v.customer_id = %(customer_id)s

-- Advisors' notes written on the cases of the person's cars while they owned them (view ownership_period): free
-- text about the person (case_note). A sold car's notes from their time go too; a later owner's stay.
DELETE FROM case_note n
USING ownership_period o, risk r
WHERE n.risk_id = r.id AND r.vehicle_id = o.vehicle_id AND o.customer_id = %(customer_id)s
  AND n.created_at >= o.starts AND n.created_at < o.ends

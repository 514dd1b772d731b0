-- The id of each technician with one of the given employee numbers.
SELECT employee_no, id, NULL::text FROM technician WHERE employee_no = ANY(%(keys)s::text[]);

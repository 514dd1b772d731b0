-- The id of each advisor with one of the given employee numbers.
SELECT employee_no, id, NULL::text FROM advisor WHERE employee_no = ANY(%(keys)s::text[]);

-- The id of each customer with one of the given references, and the region of their preferred center (the
-- default region of their vehicles).
SELECT cu.ref, cu.id, sc.region
FROM customer cu
LEFT JOIN service_center sc ON sc.id = cu.preferred_center_id
WHERE cu.ref = ANY(%(keys)s::text[]);

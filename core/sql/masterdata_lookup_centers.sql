-- The id and region of each service center with one of the given codes.
SELECT code, id, region FROM service_center WHERE code = ANY(%(keys)s::text[]);

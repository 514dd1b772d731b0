-- The code of a service center (visits name their center by code).
SELECT code FROM service_center WHERE id = %(center_id)s::bigint

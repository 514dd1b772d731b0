SELECT EXISTS (SELECT 1 FROM service_center WHERE id = %(center_id)s) AS found

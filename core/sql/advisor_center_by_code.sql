-- A service center's id by its code.
SELECT id FROM service_center WHERE code = %(code)s

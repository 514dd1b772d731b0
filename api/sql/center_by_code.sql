SELECT id FROM service_center WHERE code = %(code)s

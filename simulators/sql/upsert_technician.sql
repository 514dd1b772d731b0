-- One technician by (center, name).
INSERT INTO technician (center_id, name, skills, active)
VALUES (%(center_id)s, %(name)s, %(skills)s, true)
ON CONFLICT (center_id, name) DO UPDATE SET skills = EXCLUDED.skills, active = true;

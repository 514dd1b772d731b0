SELECT id, center_id, name, skills
FROM technician
WHERE active
ORDER BY id

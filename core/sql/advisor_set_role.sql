-- Change the role of one of a center's advisors. Returns the previous role (nothing: not this center's advisor).
UPDATE advisor a SET role = %(role)s
FROM advisor old
WHERE a.id = %(advisor_id)s AND a.center_id = %(center_id)s AND old.id = a.id
RETURNING old.role

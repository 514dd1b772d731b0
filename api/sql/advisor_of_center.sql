-- An active advisor of this center (the one a center key names as having done a step).
SELECT id FROM advisor WHERE id = %(advisor_id)s AND center_id = %(center_id)s AND active

DELETE FROM dms_appointment WHERE center_id = %(center_id)s AND external_ref = %(external_ref)s

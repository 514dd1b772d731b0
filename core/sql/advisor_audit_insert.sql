-- One audit row: who (advisor, or NULL for an operator at the command line) did what to which subject.
INSERT INTO advisor_audit (center_id, advisor_id, action, subject, detail, at)
VALUES (%(center_id)s, %(advisor_id)s, %(action)s, %(subject)s, %(detail)s::jsonb, %(at)s)

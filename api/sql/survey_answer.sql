UPDATE survey SET answers = %(answers)s, answered_at = now() WHERE id = %(survey_id)s
RETURNING id, risk_id, questions, answers, sent_at, answered_at

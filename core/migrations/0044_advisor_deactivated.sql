-- A center admin's deactivation (the team page) holds against the DMS import: a DMS that has not yet heard of a
-- leaver must not give them their login back. The import may still deactivate anyone; only a new invitation from
-- the center brings back an account the center deactivated (core/sql/advisor_invite.sql).
ALTER TABLE advisor ADD COLUMN deactivated_at timestamptz;
UPDATE advisor a SET deactivated_at = d.at
FROM (
    SELECT substr(subject, 9)::bigint AS advisor_id, max(at) AS at
    FROM advisor_audit
    WHERE action = 'team.deactivate' AND subject ~ '^advisor:[0-9]+$'
    GROUP BY 1
) d
WHERE a.id = d.advisor_id AND NOT a.active;
ALTER TABLE advisor ADD CONSTRAINT advisor_deactivated_inactive CHECK (deactivated_at IS NULL OR NOT active);

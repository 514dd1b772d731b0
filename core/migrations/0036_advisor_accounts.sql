-- Personal advisor accounts (issue #17): a login e-mail and password per advisor, a role, one-time invite and
-- reset tokens, sessions bound to the advisor (not to a center API key), and an audit of who did what.

-- The login e-mail is the account's own (the DMS import rewrites `email`, never `login_email`); unique ignoring
-- case. The password hash is "scrypt$n$r$p$salt$hash" (hex), so its parameters can change per account.
ALTER TABLE advisor
    ADD COLUMN role text NOT NULL DEFAULT 'advisor' CHECK (role IN ('advisor', 'center_admin')),
    ADD COLUMN login_email text CHECK (login_email = btrim(login_email) AND login_email LIKE '%_@_%'),
    ADD COLUMN password_hash text CHECK (password_hash LIKE 'scrypt$%'),
    ADD COLUMN invited_at timestamptz;
CREATE UNIQUE INDEX advisor_login_email_key ON advisor (lower(login_email)) WHERE login_email IS NOT NULL;

-- One-time links: only the SHA-256 of the random token is stored; a token is used once, before it expires.
CREATE TABLE advisor_token (
    token_hash  bytea PRIMARY KEY,
    advisor_id  bigint NOT NULL REFERENCES advisor (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX advisor_token_advisor_idx ON advisor_token (advisor_id);

-- Sessions opened with a center key end here: from now on a session belongs to one advisor.
DELETE FROM advisor_session;
ALTER TABLE advisor_session
    ADD COLUMN advisor_id bigint NOT NULL REFERENCES advisor (id) ON DELETE CASCADE,
    ALTER COLUMN key_id DROP NOT NULL;
CREATE INDEX advisor_session_advisor_idx ON advisor_session (advisor_id);

-- Who did what, per center: `subject` names the thing acted on ("advisor:12", "booking:345").
CREATE TABLE advisor_audit (
    id          bigserial PRIMARY KEY,
    center_id   bigint NOT NULL REFERENCES service_center (id),
    advisor_id  bigint REFERENCES advisor (id) ON DELETE SET NULL,
    action      text NOT NULL CHECK (action ~ '^[a-z0-9_.-]{1,60}$'),
    subject     text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL
);
CREATE INDEX advisor_audit_center_at_idx ON advisor_audit (center_id, at DESC);

-- Customers still waiting for an advisor (each import batch looks for them).
CREATE INDEX customer_unassigned_idx ON customer (preferred_center_id) WHERE advisor_id IS NULL AND erased_at IS NULL;

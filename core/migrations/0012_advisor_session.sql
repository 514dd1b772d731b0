-- Sessions of the advisor web page: the browser holds a signed random id in an httpOnly cookie, the database
-- holds only its SHA-256 hash, the key it was opened with and the CSRF token of its forms.
CREATE TABLE advisor_session (
    id_hash     bytea PRIMARY KEY,
    key_id      bigint NOT NULL REFERENCES api_key (id),
    center_id   bigint NOT NULL REFERENCES service_center (id),
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX advisor_session_expires_idx ON advisor_session (expires_at);

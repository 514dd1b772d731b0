-- Owner links: the https://<public base>/o/<token> in each care message. The token is a random secret; only its
-- SHA-256 is stored. A link acts for one customer and one car (and the risk its message is about) until it expires
-- or is revoked; core/owner_links.py is the one module that writes this table.
CREATE TABLE owner_link (
    id            bigserial PRIMARY KEY,
    hash          bytea NOT NULL UNIQUE,
    customer_id   bigint NOT NULL REFERENCES customer (id),
    vehicle_id    bigint NOT NULL REFERENCES vehicle (id),
    risk_id       bigint REFERENCES risk (id),
    -- who minted it: notify (in a message), support (carecast keys owner-link), demo
    created_by    text NOT NULL CHECK (created_by IN ('notify', 'support', 'demo')),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX owner_link_customer_idx ON owner_link (customer_id, id);

-- Reference data: service centers, technicians, parts, customers, vehicles.

CREATE TABLE service_center (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    name          text NOT NULL,
    city          text NOT NULL,
    region        text NOT NULL,
    lat_deg       double precision NOT NULL CHECK (lat_deg BETWEEN -90 AND 90),
    lon_deg       double precision NOT NULL CHECK (lon_deg BETWEEN -180 AND 180),
    tz            text NOT NULL,
    -- {"mon": ["08:30", "18:00"], ..., "sun": null}; local time in tz.
    opening_hours jsonb NOT NULL,
    brands        text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE technician (
    id         bigserial PRIMARY KEY,
    center_id  bigint NOT NULL REFERENCES service_center (id),
    name       text NOT NULL,
    -- e.g. general, brakes, electrical, high_voltage (certified for EV traction battery work)
    skills     text[] NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    UNIQUE (center_id, name)
);

CREATE TABLE part (
    id    bigserial PRIMARY KEY,
    sku   text NOT NULL UNIQUE,
    name  text NOT NULL
);

CREATE TABLE part_stock (
    center_id     bigint NOT NULL REFERENCES service_center (id),
    part_id       bigint NOT NULL REFERENCES part (id),
    on_hand       integer NOT NULL CHECK (on_hand >= 0),
    reserved      integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    -- days until a part ordered today arrives at this center
    restock_days  integer NOT NULL DEFAULT 3 CHECK (restock_days >= 0),
    PRIMARY KEY (center_id, part_id)
);

CREATE TABLE customer (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL,
    locale               text NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    tz                   text NOT NULL,
    segment              text NOT NULL CHECK (segment IN ('business', 'family', 'ev', 'premium')),
    preferred_center_id  bigint REFERENCES service_center (id),
    -- {"email": "...", "phone": "...", "app": true}
    channels             jsonb NOT NULL DEFAULT '{}',
    created_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vehicle (
    id           bigserial PRIMARY KEY,
    vin          text NOT NULL UNIQUE CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
    customer_id  bigint NOT NULL REFERENCES customer (id),
    model        text NOT NULL,
    model_year   smallint NOT NULL,
    powertrain   text NOT NULL CHECK (powertrain IN ('EV', 'ICE', 'HYBRID')),
    region       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicle_customer_idx ON vehicle (customer_id);

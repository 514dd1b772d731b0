-- A real dealer network's master data (issue #15): what `carecast import` and the admin API write, what booking
-- planning, notify and the API read. Natural keys: center code, employee number, SKU, customer reference, VIN.

-- Service centers: address, bays, labour rate; `active` false = closed for good (no new suggestions).
ALTER TABLE service_center ADD COLUMN address text NOT NULL DEFAULT '';
ALTER TABLE service_center ADD COLUMN bays integer NOT NULL DEFAULT 4 CHECK (bays > 0);
ALTER TABLE service_center ADD COLUMN hourly_rate numeric(10, 2) CHECK (hourly_rate >= 0);
ALTER TABLE service_center ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE service_center ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- A center's own calendar over the national one: closed days (stock-taking, renovation), public holidays and
-- make-up workdays (调休: a weekend day worked with weekday hours). One row per local date.
CREATE TABLE center_calendar_day (
    center_id  bigint NOT NULL REFERENCES service_center (id) ON DELETE CASCADE,
    day        date NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('closed', 'holiday', 'workday')),
    note       text NOT NULL DEFAULT '',
    PRIMARY KEY (center_id, day)
);

-- Service advisors: the dedicated contact a customer is assigned to (the dealer model's "many-to-one" team).
CREATE TABLE advisor (
    id           bigserial PRIMARY KEY,
    center_id    bigint NOT NULL REFERENCES service_center (id),
    employee_no  text NOT NULL UNIQUE,
    name         text NOT NULL,
    email        text,
    phone        text,
    active       boolean NOT NULL DEFAULT true
);
CREATE INDEX advisor_center_idx ON advisor (center_id);

-- Technicians: the employee number is the natural key (two technicians may share a name).
ALTER TABLE technician ADD COLUMN employee_no text;
UPDATE technician t
SET employee_no = c.code || '-' || t.name  -- the simulator's numbering (simulators/seed.py)
FROM service_center c
WHERE c.id = t.center_id;
ALTER TABLE technician ALTER COLUMN employee_no SET NOT NULL;
-- rows written without one (hand-made test rows) get a generated number
ALTER TABLE technician ALTER COLUMN employee_no SET DEFAULT 'auto-' || gen_random_uuid();
ALTER TABLE technician ADD CONSTRAINT technician_employee_no_key UNIQUE (employee_no);
ALTER TABLE technician DROP CONSTRAINT technician_center_id_name_key;

-- Weekly shifts, local time of the center; a technician without shifts works the center's opening hours.
CREATE TABLE technician_shift (
    technician_id  bigint NOT NULL REFERENCES technician (id) ON DELETE CASCADE,
    weekday        smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    starts         time NOT NULL,
    ends           time NOT NULL CHECK (ends > starts),
    PRIMARY KEY (technician_id, weekday, starts)
);

-- Absences (leave, training, sickness): the technician takes no job that overlaps one.
CREATE TABLE technician_absence (
    id             bigserial PRIMARY KEY,
    technician_id  bigint NOT NULL REFERENCES technician (id) ON DELETE CASCADE,
    starts         timestamptz NOT NULL,
    ends           timestamptz NOT NULL CHECK (ends > starts),
    reason         text NOT NULL DEFAULT '',
    UNIQUE (technician_id, starts)
);
CREATE INDEX technician_absence_end_idx ON technician_absence (ends);

-- Parts: list price; stock: the date the next delivery arrives (restock_days stays the lead time of a new order).
ALTER TABLE part ADD COLUMN price numeric(10, 2) CHECK (price >= 0);
ALTER TABLE part_stock ADD COLUMN restock_date date;

-- Customers: the dealer's customer reference is the natural key (the simulator's CRM id for simulated ones).
ALTER TABLE customer ADD COLUMN ref text;
UPDATE customer SET ref = coalesce(channels ->> 'crm_id', 'C' || id);
ALTER TABLE customer ALTER COLUMN ref SET NOT NULL;
ALTER TABLE customer ALTER COLUMN ref SET DEFAULT 'auto-' || gen_random_uuid();
ALTER TABLE customer ADD CONSTRAINT customer_ref_key UNIQUE (ref);
ALTER TABLE customer ADD COLUMN advisor_id bigint REFERENCES advisor (id);
ALTER TABLE customer ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- Set when the person's data was erased (`carecast customer erase`): the row stays for the anonymous statistics.
ALTER TABLE customer ADD COLUMN erased_at timestamptz;

-- Consent per delivery channel, as recorded by the dealer (opt-in: no row or granted = false means no message).
CREATE TABLE customer_consent (
    customer_id  bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    channel      text NOT NULL CHECK (channel IN ('in_app', 'email', 'webhook')),
    granted      boolean NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    source       text NOT NULL DEFAULT '',
    PRIMARY KEY (customer_id, channel)
);
-- Customers that existed before consent was recorded keep the channels they were already reached on.
INSERT INTO customer_consent (customer_id, channel, granted, source)
SELECT c.id, ch.channel, true, 'migration 0026'
FROM customer c
CROSS JOIN LATERAL (
    SELECT 'in_app' AS channel WHERE coalesce((c.channels ->> 'app')::boolean, true)
    UNION ALL SELECT 'email' WHERE c.channels ? 'email'
    UNION ALL SELECT 'webhook' WHERE c.channels ? 'webhook'
) ch;

-- Vehicles: brand, registration, odometer at registration.
ALTER TABLE vehicle ADD COLUMN brand text NOT NULL DEFAULT '';
ALTER TABLE vehicle ADD COLUMN registered_on date;
ALTER TABLE vehicle ADD COLUMN odometer_at_registration_km integer CHECK (odometer_at_registration_km >= 0);
ALTER TABLE vehicle ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Who owned a vehicle when: a transfer closes the old owner's row (the old owner loses access at once; the
-- vehicle keeps its telemetry).
CREATE TABLE vehicle_ownership (
    vehicle_id   bigint NOT NULL REFERENCES vehicle (id) ON DELETE CASCADE,
    customer_id  bigint NOT NULL REFERENCES customer (id),
    since        timestamptz NOT NULL,
    until        timestamptz CHECK (until IS NULL OR until >= since),
    PRIMARY KEY (vehicle_id, since)
);
CREATE INDEX vehicle_ownership_customer_idx ON vehicle_ownership (customer_id);
INSERT INTO vehicle_ownership (vehicle_id, customer_id, since)
SELECT id, customer_id, created_at FROM vehicle;

-- Kept by the database whoever writes vehicle.customer_id: a new owner closes the previous owner's row.
CREATE FUNCTION vehicle_ownership_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.customer_id IS NOT DISTINCT FROM OLD.customer_id THEN
            RETURN NEW;
        END IF;
        UPDATE vehicle_ownership SET until = greatest(now(), since)
        WHERE vehicle_id = NEW.id AND until IS NULL;
    END IF;
    INSERT INTO vehicle_ownership (vehicle_id, customer_id, since)
    VALUES (NEW.id, NEW.customer_id, now())
    ON CONFLICT (vehicle_id, since) DO UPDATE SET customer_id = EXCLUDED.customer_id, until = NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER vehicle_ownership_track
AFTER INSERT OR UPDATE OF customer_id ON vehicle
FOR EACH ROW EXECUTE FUNCTION vehicle_ownership_track();

-- Service visits, from Carecast bookings and from the dealer system (DMS): the vehicle's service history.
-- `work` holds work codes (domain/service_visit.py WorkCode), `parts` SKUs.
CREATE TABLE service_visit (
    id             bigserial PRIMARY KEY,
    vehicle_id     bigint NOT NULL REFERENCES vehicle (id) ON DELETE CASCADE,
    center_id      bigint REFERENCES service_center (id),
    technician_id  bigint REFERENCES technician (id),
    source         text NOT NULL CHECK (source IN ('carecast', 'dms')),
    -- the DMS work-order number (unique per center), or the booking id for a Carecast visit
    external_ref   text NOT NULL,
    visited_at     timestamptz NOT NULL,
    odometer_km    integer CHECK (odometer_km >= 0),
    work           text[] NOT NULL DEFAULT '{}',
    parts          text[] NOT NULL DEFAULT '{}',
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, center_id, external_ref)
);
CREATE INDEX service_visit_vehicle_idx ON service_visit (vehicle_id, visited_at DESC);

-- Work booked in the DMS: technician appointments block their slots, part reservations their stock.
CREATE TABLE dms_appointment (
    id             bigserial PRIMARY KEY,
    center_id      bigint NOT NULL REFERENCES service_center (id),
    external_ref   text NOT NULL,
    technician_id  bigint REFERENCES technician (id),
    starts         timestamptz NOT NULL,
    ends           timestamptz NOT NULL CHECK (ends > starts),
    cancelled      boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (center_id, external_ref)
);
CREATE INDEX dms_appointment_technician_idx ON dms_appointment (technician_id, ends) WHERE NOT cancelled;

CREATE TABLE dms_part_reservation (
    id            bigserial PRIMARY KEY,
    center_id     bigint NOT NULL REFERENCES service_center (id),
    external_ref  text NOT NULL,
    part_id       bigint NOT NULL REFERENCES part (id),
    quantity      integer NOT NULL CHECK (quantity > 0),
    released      boolean NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (center_id, external_ref, part_id)
);
CREATE INDEX dms_part_reservation_stock_idx ON dms_part_reservation (center_id, part_id) WHERE NOT released;

-- Advisors' notes on a case (issue #17): who wrote what about one risk of one car, at which center. Written only
-- by core/case_notes.py; the worklist and the customer page show them newest first.
CREATE TABLE case_note (
    id          bigserial PRIMARY KEY,
    risk_id     bigint NOT NULL REFERENCES risk (id) ON DELETE CASCADE,
    center_id   bigint NOT NULL REFERENCES service_center (id),
    advisor_id  bigint REFERENCES advisor (id) ON DELETE SET NULL,
    body        text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL
);
CREATE INDEX case_note_risk_idx ON case_note (risk_id, id);

-- The licence plate (e.g. 黑A12345): what an advisor types to find a car. Optional (imports without it keep
-- working); searched ignoring case and spaces.
ALTER TABLE vehicle ADD COLUMN plate text CHECK (plate = btrim(plate) AND length(plate) BETWEEN 2 AND 16);
CREATE INDEX vehicle_plate_idx ON vehicle (upper(replace(plate, ' ', ''))) WHERE plate IS NOT NULL;

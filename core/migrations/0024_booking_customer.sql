-- Whom a booking option was offered to: the car's owner when the option was made. After a resale the new owner
-- must not see, accept or decline the previous owner's options and booked visits (the owner paths of the API
-- filter on this column); the previous owner loses the car, and with it every path to them, as before.
-- Filled by a trigger from the vehicle at insert, so every writer (notify, imports, tests) records it the same
-- way. A plain table on both storage modes: no variant files.
ALTER TABLE booking_suggestion ADD COLUMN customer_id bigint REFERENCES customer (id);
UPDATE booking_suggestion b SET customer_id = v.customer_id FROM vehicle v WHERE v.id = b.vehicle_id;

CREATE FUNCTION booking_suggestion_offered_to() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.customer_id IS NULL THEN
        SELECT v.customer_id INTO NEW.customer_id FROM vehicle v WHERE v.id = NEW.vehicle_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER booking_suggestion_offered_to
    BEFORE INSERT ON booking_suggestion
    FOR EACH ROW EXECUTE FUNCTION booking_suggestion_offered_to();

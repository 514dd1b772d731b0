-- The workshop's "work started" step: the car is on the lift. Not a stage of its own (check-in and the outcome
-- stay the lifecycle's steps); a stamp inside checked_in that the owner page and the advisor's worklist show.
ALTER TABLE care_case ADD COLUMN work_started_at timestamptz;

-- An SMS reply is matched to its owner by the phone number's digits (core/sql/reply_target_phone.sql): index that
-- expression, so an inbound message never scans every customer.
CREATE INDEX customer_phone_digits_idx
    ON customer ((regexp_replace(coalesce(channels ->> 'phone', ''), '[^0-9]', '', 'g')))
    WHERE erased_at IS NULL;

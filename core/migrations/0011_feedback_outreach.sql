-- Feedback after a visit, the service centers' feed (low scores, outreach tasks), and the car's last visit.

-- 2-3 questions drawn from the bank per visit: [{"id": "q_explained", "type": "score" | "text", ...}];
-- answers {"q_explained": 4, "q_comment": "..."}.
CREATE TABLE survey (
    id           bigserial PRIMARY KEY,
    risk_id      bigint NOT NULL UNIQUE REFERENCES care_case (risk_id),
    customer_id  bigint NOT NULL REFERENCES customer (id),
    center_id    bigint NOT NULL REFERENCES service_center (id),
    questions    jsonb NOT NULL,
    answers      jsonb,
    sent_at      timestamptz NOT NULL,
    answered_at  timestamptz
);
CREATE INDEX survey_customer_idx ON survey (customer_id, id);

-- What a center's advisors should act on: a low feedback score (with the case) or a silent customer to call.
CREATE TABLE center_feed_item (
    id          bigserial PRIMARY KEY,
    center_id   bigint NOT NULL REFERENCES service_center (id),
    kind        text NOT NULL CHECK (kind IN ('low_feedback', 'outreach')),
    vehicle_id  bigint NOT NULL REFERENCES vehicle (id),
    risk_id     bigint REFERENCES risk (id),
    -- machine code of why, e.g. 'due_for_maintenance', 'battery_report_ready', 'low_score'
    reason      text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at  timestamptz NOT NULL
);
CREATE INDEX center_feed_item_center_idx ON center_feed_item (center_id, id);
-- One open outreach task per car; one low-feedback alert per visit.
CREATE UNIQUE INDEX center_feed_outreach_uniq ON center_feed_item (vehicle_id) WHERE kind = 'outreach' AND status = 'open';
CREATE UNIQUE INDEX center_feed_feedback_uniq ON center_feed_item (risk_id) WHERE kind = 'low_feedback';

-- Last workshop visit known from outside Carecast (dealer system import); visits through Carecast are in care_case.
ALTER TABLE vehicle ADD COLUMN last_visit_at timestamptz;

-- Messages and channels of the owner's side (issue #16, docs/messages.md): SMS and WeChat / OEM-app push as
-- delivery channels with per-channel consent, delivery receipts from the providers, and owners' replies (by
-- e-mail or SMS) as conversation items on the center's feed. Plain tables and CHECKs: the same on PostgreSQL and
-- TimescaleDB.

ALTER TABLE care_delivery DROP CONSTRAINT care_delivery_channel_check;
ALTER TABLE care_delivery ADD CONSTRAINT care_delivery_channel_check
    CHECK (channel IN ('in_app', 'webhook', 'email', 'sms', 'wechat'));
ALTER TABLE customer_consent DROP CONSTRAINT customer_consent_channel_check;
ALTER TABLE customer_consent ADD CONSTRAINT customer_consent_channel_check
    CHECK (channel IN ('in_app', 'webhook', 'email', 'sms', 'wechat'));

-- What the provider reported back for a delivery it accepted (POST /v1/receipts/{channel}): the last status it
-- sent and when, and its own message id.
ALTER TABLE care_delivery ADD COLUMN receipt_status text CHECK (receipt_status IN ('delivered', 'failed', 'read'));
ALTER TABLE care_delivery ADD COLUMN receipt_at timestamptz;
ALTER TABLE care_delivery ADD COLUMN provider_ref text;

-- An owner's reply reaches the center as a conversation item; `ref` (the e-mail's Message-ID, the gateway's
-- message id) makes a redelivered reply land once.
ALTER TABLE center_feed_item DROP CONSTRAINT center_feed_item_kind_check;
ALTER TABLE center_feed_item ADD CONSTRAINT center_feed_item_kind_check
    CHECK (kind IN ('low_feedback', 'outreach', 'booking_conflict', 'owner_reply'));
CREATE UNIQUE INDEX center_feed_reply_uniq ON center_feed_item ((detail ->> 'ref')) WHERE kind = 'owner_reply';

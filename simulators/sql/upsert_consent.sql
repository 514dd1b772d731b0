-- A simulated customer's consent for one channel (the simulator grants the channels the customer has).
INSERT INTO customer_consent (customer_id, channel, granted, source)
VALUES (%(customer_id)s, %(channel)s, %(granted)s, 'simulator')
ON CONFLICT (customer_id, channel) DO UPDATE SET granted = EXCLUDED.granted, source = EXCLUDED.source;

-- Advance the watermark (never backwards: two passes may finish out of order).
INSERT INTO detection_watermark (singleton, received_at, updated_at)
VALUES (true, %(received_at)s, now())
ON CONFLICT (singleton) DO UPDATE SET
    received_at = greatest(detection_watermark.received_at, EXCLUDED.received_at),
    updated_at = now();

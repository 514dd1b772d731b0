-- The highest telemetry.received_at the last pass rolled up (no row before the first pass).
SELECT received_at FROM detection_watermark WHERE singleton;

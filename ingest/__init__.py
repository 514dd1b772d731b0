"""Carecast ingest: MQTT telemetry in, PostgreSQL rows out (acked only after commit)."""

"""Carecast fleet simulator: a deterministic fleet, its climate and injected faults, seeded into the reference
tables and published as VSS telemetry over MQTT."""

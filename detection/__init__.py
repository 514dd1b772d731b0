"""Carecast detection: refreshes the daily telemetry rollup, evaluates risk rules and keeps one open risk per
vehicle and kind (``python -m detection``)."""

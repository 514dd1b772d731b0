"""Carecast HTTP API: suggested bookings for service centers, alerts for owners, health for operators."""

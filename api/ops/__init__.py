"""Operating the API: Prometheus metrics, the readiness checks, the per-request telemetry middleware and the
request body limit."""

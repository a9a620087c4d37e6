"""Observability: Prometheus metrics (/metrics), one structured log line per request, and the
slow-SQL log (docs/monitoring.md)."""

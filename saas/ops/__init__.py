"""Operations: health and readiness probes, Prometheus metrics, Sentry error reporting."""

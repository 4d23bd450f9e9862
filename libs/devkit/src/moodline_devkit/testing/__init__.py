"""Pytest fixtures for real PostgreSQL, NATS and Redis (registered as the `moodline` plugin)."""

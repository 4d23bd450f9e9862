"""Moodline service kit: the shared plumbing every service is built from (never copied)."""

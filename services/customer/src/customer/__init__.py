"""Moodline customer service: the 360-degree customer profile."""

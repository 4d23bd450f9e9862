"""Moved to the dev/test kit (moodline_devkit.testing); these aliases go once every service
uses it."""

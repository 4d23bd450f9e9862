"""Moved to the dev/test kit (moodline_devkit); these aliases go once every service uses it."""

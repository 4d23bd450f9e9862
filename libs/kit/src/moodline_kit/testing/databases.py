"""Moved to moodline_devkit.testing.databases; this alias goes once every service imports that."""

from moodline_devkit.testing.databases import *  # noqa: F403

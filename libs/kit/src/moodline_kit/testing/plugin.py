"""Moved to moodline_devkit.testing.plugin; this alias goes once every service imports that."""

from moodline_devkit.testing.plugin import *  # noqa: F403

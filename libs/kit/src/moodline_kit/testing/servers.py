"""Moved to moodline_devkit.testing.servers; this alias goes once every service imports that."""

from moodline_devkit.testing.servers import *  # noqa: F403

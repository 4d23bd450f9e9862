"""Moved to moodline_devkit.seed; this alias goes once every service imports that."""

from moodline_devkit.seed import *  # noqa: F403

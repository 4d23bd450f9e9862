"""Moved to moodline_devkit.stack; this alias goes once every service imports that."""

from moodline_devkit.stack import *  # noqa: F403

"""Moved to moodline_devkit.infra; this alias goes once every service imports that."""

from moodline_devkit.infra import *  # noqa: F403

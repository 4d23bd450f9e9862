from moodline_kit.migrations import run_env

from gateway.tables import metadata

run_env(metadata)

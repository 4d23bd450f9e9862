from loyalty.adapters.tables import metadata
from moodline_kit.migrations import run_env

run_env(metadata)

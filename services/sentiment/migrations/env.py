from moodline_kit.migrations import run_env
from sentiment.adapters.tables import metadata

run_env(metadata)

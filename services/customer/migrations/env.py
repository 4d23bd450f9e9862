from moodline_kit.migrations import run_env

from customer.adapters.tables import metadata

run_env(metadata)

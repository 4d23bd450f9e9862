"""Lets the unit tests import their fakes (billing_fakes) under --import-mode=importlib."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

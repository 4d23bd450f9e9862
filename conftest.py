"""Repository-wide pytest set-up.

Tests are imported with --import-mode=importlib, which names `gateway/tests/...` modules
`gateway.tests...` and would insert a stub `gateway` module in their place; importing the real
package first keeps it (the top-level folder and the package share the name `gateway`).
"""

import gateway  # noqa: F401

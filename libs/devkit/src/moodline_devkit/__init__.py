"""Local development: embedded infrastructure and the `make run` launcher."""

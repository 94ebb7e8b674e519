"""Training loops; they know nothing of the CLI."""

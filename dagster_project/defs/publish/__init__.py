"""What the pipeline publishes: the read-only warehouse copy (and, later, annexes and reports)."""

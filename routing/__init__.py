"""Skills-based routing engine."""

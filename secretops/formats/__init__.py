"""Output formats: pure functions from values to text, chosen from an explicit registry."""

"""The part every backend implementation shares (private)."""

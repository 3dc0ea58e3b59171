"""Models of the demands app."""

"""Load tests, the on-sale benchmark and the helpers they share (see RESULTS.md)."""

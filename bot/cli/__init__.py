"""The `seatkeeper` command line (an entry point: it may import the composition root)."""

"""What the rest of `bot` runs on: the verb runner, the clock, heartbeats, time limits, batches,
a pacer, and the metrics (with the connectors that count their calls).

Imports only the inner packages (store, workflows); nothing else of `bot`.
"""

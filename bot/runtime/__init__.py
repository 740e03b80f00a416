"""What the rest of `bot` runs on: the verb runner, the clock, heartbeats, time limits, batches
and a pacer.

Imports only the inner packages (store, workflows); nothing else of `bot`.
"""

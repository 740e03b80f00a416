"""Scheduled passes (seat sync, reminders) and the scheduler that runs each under a lease.

Imports jobs, slack, config, runtime and the inner packages; never the composition root.
"""

"""Durable jobs: the worker that claims and runs them, and the handlers that do their effects.

Imports slack (to present and post), config, runtime and the inner packages.
"""

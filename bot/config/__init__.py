"""Configuration: process settings from the environment, and the strict `seatkeeper.yml` loader.

Imports connectors (for each vendor's config model) and workflows; nothing else of `bot`.
"""

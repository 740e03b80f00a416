"""The edge and composition root: Slack (Bolt), FastAPI, APScheduler, CLI and settings.

The only package that reads settings and wires the others together.
"""

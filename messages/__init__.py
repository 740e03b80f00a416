"""Slack wording: Jinja2 templates that render Block Kit JSON, and their typed entry points.

May import `workflows`, jinja2 and pydantic; never `bot`, `connectors` or `store`.
"""

"""Vendor connectors: one module per vendor behind `workflows.ports.Connector`, each with the
model of its `connector:` settings; `connectors.registry` lists them.

May import `workflows`, httpx and pydantic; never `bot`, `store` or `messages`.
"""

"""Vendor connectors: one module per vendor behind `workflows.ports.Connector`.

May import `workflows` and httpx; never `bot`, `store` or `messages`.
"""

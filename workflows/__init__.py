"""The domain: models, ports, state machines and policies.

Pure Python and pydantic only. Imports no framework (no slack_*, fastapi, starlette,
sqlalchemy, httpx, jinja2, apscheduler) and none of the other Seatkeeper packages.
"""

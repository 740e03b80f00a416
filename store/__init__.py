"""Persistence: SQLAlchemy tables, repositories, the unit of work and Alembic migrations.

May import `workflows` and sqlalchemy/alembic; never `bot`, `connectors` or `messages`.
"""

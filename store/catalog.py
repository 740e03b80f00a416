"""Keep the apps, tiers and contracts tables in step with the config file."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store import tables
from workflows.catalog import Config


def sync_catalog(engine: Engine, config: Config) -> None:
    """Upsert every app, tier and contract; mark those the config dropped as retired."""
    with engine.begin() as connection:
        write_catalog(connection, config)


def catalog_lacks(connection: Connection, config: Config) -> bool:
    """Whether an app of `config` has no row yet (a seat of it could not be written)."""
    known = set(connection.scalars(select(tables.apps.c.key)))
    return any(app.key not in known for app in config.apps)


def write_catalog(connection: Connection, config: Config) -> None:
    """`sync_catalog` in the transaction of `connection`."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(update(tables.apps).values(retired=True))
    connection.execute(update(tables.tiers).values(retired=True))
    for app in config.apps:
        row: dict[str, object] = {
            "key": app.key,
            "name": app.name,
            "owner": app.owner,
            "connector_type": app.connector.type,
            "retired": False,
        }
        stmt = insert(tables.apps).values(row)
        connection.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=row))
        for tier in app.tiers:
            row = {
                "app_key": app.key,
                "key": tier.key,
                "name": tier.name,
                "monthly_price": tier.monthly_price,
                "retired": False,
            }
            stmt = insert(tables.tiers).values(row)
            connection.execute(
                stmt.on_conflict_do_update(index_elements=["app_key", "key"], set_=row)
            )
        contract = app.contract
        row = {
            "app_key": app.key,
            "seats": contract.seats,
            "renews_on": contract.renews_on,
            "notice_days": contract.notice_days,
            "auto_renew": contract.auto_renew,
        }
        stmt = insert(tables.contracts).values(row)
        connection.execute(stmt.on_conflict_do_update(index_elements=["app_key"], set_=row))

"""Classical mapping of the domain dataclasses onto the tables (the domain stays pure)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import registry, relationship

from store import tables
from workflows import model

_mapped = False
_lock = threading.Lock()


def start_mappers() -> None:
    """Map the domain classes once per process."""
    global _mapped
    with _lock:
        if _mapped:
            return
        mapper = registry()
        mapper.map_imperatively(model.Person, tables.people)
        mapper.map_imperatively(model.ApprovalStep, tables.approval_steps)
        mapper.map_imperatively(
            model.Request,
            tables.requests,
            properties={
                "steps": relationship(
                    model.ApprovalStep,
                    order_by=tables.approval_steps.c.position,
                    lazy="selectin",
                    cascade="all, delete-orphan",
                )
            },
            version_id_col=tables.requests.c.version,
        )
        mapper.map_imperatively(model.Seat, tables.seats)
        mapper.map_imperatively(model.Task, tables.tasks)
        mapper.map_imperatively(
            model.ReclaimCase, tables.reclaim_cases, version_id_col=tables.reclaim_cases.c.version
        )
        mapper.map_imperatively(
            model.ReclaimWave, tables.reclaim_waves, version_id_col=tables.reclaim_waves.c.version
        )
        mapper.map_imperatively(model.Job, tables.jobs)
        mapper.map_imperatively(model.DigestRecord, tables.digests)
        mapper.map_imperatively(model.AuditEvent, tables.audit_events)
        mapper.map_imperatively(model.ApiToken, tables.api_tokens)
        mapper.map_imperatively(model.GroupMember, tables.scim_group_members)
        mapper.map_imperatively(
            model.Group,
            tables.scim_groups,
            properties={
                "members": relationship(
                    model.GroupMember,
                    order_by=tables.scim_group_members.c.person_id,
                    lazy="selectin",
                    cascade="all, delete-orphan",
                )
            },
            version_id_col=tables.scim_groups.c.version,
        )
        _mapped = True

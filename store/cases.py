"""Repositories of reclaim cases, review waves and digests. Never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import tables
from workflows import ports
from workflows.model import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    DigestRecord,
    ReclaimCase,
    ReclaimWave,
)


class SqlCaseRepository(ports.CaseRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, case: ReclaimCase) -> None:
        """Stage a new reclaim case."""
        self.session.add(case)

    def get(self, case_id: int, *, for_update: bool = False) -> ReclaimCase | None:
        """The case with this id; `for_update` locks its row until commit."""
        query = select(ReclaimCase).where(tables.reclaim_cases.c.id == case_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def open_for(self, seat_id: int) -> ReclaimCase | None:
        """The seat's open case, if any (the schema allows one)."""
        c = tables.reclaim_cases.c
        query = select(ReclaimCase).where(
            c.seat_id == seat_id, c.status.in_(sorted(OPEN_CASE_STATUSES))
        )
        return self.session.scalars(query).first()

    def with_status(
        self, *statuses: CaseStatus, app_key: str | None = None, for_update: bool = False
    ) -> list[ReclaimCase]:
        """Cases in any of `statuses` (of one app, if given), oldest first."""
        c = tables.reclaim_cases.c
        query = select(ReclaimCase).where(c.status.in_(list(statuses))).order_by(c.id)
        if app_key is not None:
            query = query.where(c.app_key == app_key)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(query))

    def in_wave(self, wave_id: int) -> list[ReclaimCase]:
        """The cases of a review wave, oldest first."""
        c = tables.reclaim_cases.c
        query = select(ReclaimCase).where(c.wave_id == wave_id).order_by(c.id)
        return list(self.session.scalars(query))

    def completed(self) -> list[ReclaimCase]:
        """Cases whose seat was taken back (the vendor or IT confirmed it), oldest first."""
        c = tables.reclaim_cases.c
        query = select(ReclaimCase).where(c.completed_at.is_not(None)).order_by(c.completed_at)
        return list(self.session.scalars(query))


class SqlWaveRepository(ports.WaveRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, wave: ReclaimWave) -> None:
        """Stage a new review wave."""
        self.session.add(wave)

    def get(self, wave_id: int, *, for_update: bool = False) -> ReclaimWave | None:
        """The wave with this id; `for_update` locks its row until commit."""
        query = select(ReclaimWave).where(tables.reclaim_waves.c.id == wave_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()


class SqlDigestRepository(ports.DigestRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: DigestRecord) -> None:
        """Stage a digest as posted."""
        self.session.add(record)

    def get(self, digest_id: int) -> DigestRecord | None:
        """The digest with this id."""
        return self.session.get(DigestRecord, digest_id)

    def latest(self) -> DigestRecord | None:
        """The most recent digest, if any."""
        c = tables.digests.c
        query = select(DigestRecord).order_by(c.created_at.desc(), c.id.desc()).limit(1)
        return self.session.scalars(query).first()

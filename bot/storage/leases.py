"""``SqlLeases``: work that must run in one process at a time, whichever process that is.

A lease has a name, a holder and an expiry. The holder renews it before it expires; once it
has expired (the holder died, hung, or lost the database), the next process that asks takes
it. The database decides: of two processes asking at once, one gets it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.storage.engines import engine_for, stored_utc
from bot.storage.schema import leases


class SqlLeases:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def hold(self, name: str, holder: str, *, now: datetime, seconds: float) -> bool:
        """Take or renew the lease until ``now + seconds``; False if another holds it."""
        moment = now.astimezone(UTC)
        until = moment + timedelta(seconds=seconds)
        mine = leases.c.holder == holder
        with self._engine.begin() as db:
            renewed = db.execute(
                leases.update()
                .where(leases.c.name == name, sa.or_(mine, leases.c.expires_at < moment))
                .values(
                    holder=holder,
                    expires_at=until,
                    taken_at=sa.case((mine, leases.c.taken_at), else_=moment),
                )
            )
            if renewed.rowcount == 1:
                return True
            held = db.execute(sa.select(leases.c.holder).where(leases.c.name == name)).first()
            if held is not None:  # another holds it (asked often: no failing insert each time),
                return bool(held.holder == holder)  # or this holder's other call took it just now
        try:
            with self._engine.begin() as db:
                db.execute(
                    leases.insert().values(
                        name=name, holder=holder, taken_at=moment, expires_at=until
                    )
                )
        except sa.exc.IntegrityError:  # taken just now: by another, or by this holder's other call
            return self._held_by(name, holder)
        return True

    def _held_by(self, name: str, holder: str) -> bool:
        with self._engine.connect() as db:
            row = db.execute(sa.select(leases.c.holder).where(leases.c.name == name)).first()
        return row is not None and row.holder == holder

    def release(self, name: str, holder: str, *, now: datetime) -> None:
        """Give the lease up at once (a clean stop), so another takes it without waiting."""
        with self._engine.begin() as db:
            db.execute(
                leases.update()
                .where(leases.c.name == name, leases.c.holder == holder)
                .values(expires_at=now.astimezone(UTC) - timedelta(seconds=1))
            )

    def holder(self, name: str, *, now: datetime) -> tuple[str, datetime] | None:
        """Who holds the lease now and since when; None if nobody does."""
        with self._engine.connect() as db:
            row = db.execute(sa.select(leases).where(leases.c.name == name)).first()
        if row is None or stored_utc(row.expires_at) <= now.astimezone(UTC):
            return None
        return row.holder, stored_utc(row.taken_at)

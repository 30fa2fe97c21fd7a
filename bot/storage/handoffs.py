"""``SqlHandoffQueue``: the handoff queue and agent presence, kept in the database.

Nothing lives only in memory, so several server processes can share the queue and a restart
loses nothing: waiting customers keep their places. Every status change is a conditional
``UPDATE ... WHERE status = <expected>`` inside one transaction, so when two agents claim the
same conversation at once exactly one wins; the other gets ``HandoffTransitionError``. Each
change is also written to ``handoff_events`` (who, why, when: ``bot.handoff.lifecycle``).

Order: priority first (high before normal), then the time the customer started waiting
(a requeued customer keeps their original time, so an agent dropping out never sends them to
the back). Assignment: an agent claims, or ``assign_next`` gives the first customer it can to
the online agent with the fewest conversations who speaks their language, within each agent's
capacity (``bot.handoff.routing``: held a while for a busy colleague who speaks it, then
anyone). Presence: each agent's chosen status (online / away / offline) and a heartbeat
(``seen``), so agents who went quiet can be found (``unheard_since``) by whichever process
looks. Waits are estimated per language: a customer who waits for colleagues who speak their
language counts their places only.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.errors import HandoffError, HandoffNotFoundError, HandoffTransitionError
from bot.handoff.lifecycle import Action, Status, Transition, transition
from bot.handoff.model import PRIORITY_RANK, Handoff, Presence
from bot.handoff.routing import OnlineAgent, choose_agent, speaks, stored_languages
from bot.handoff.wait import RECENT_CONVERSATIONS, Staffing, estimate_wait
from bot.language import language_code
from bot.storage.engines import contains_pattern, during, engine_for, stored_utc
from bot.storage.outbox import enqueue
from bot.storage.schema import agent_heartbeats, agent_presence, agents, handoff_events, handoffs

#: How many waiting customers ``assign_next`` looks at, in the queue's order, for one it can
#: give to an agent now.
WAITING_LOOKED_AT = 200
#: What a change tells the conversation: Rasa events, from the handoff after the change.
Tell = Callable[[Handoff, Transition], list[dict[str, Any]]]


class SqlHandoffQueue:
    """The queue in any database SQLAlchemy supports (SQLite by default)."""

    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    # -- requests and reading -------------------------------------------------------------

    def request(
        self,
        conversation_id: str,
        *,
        channel: str,
        reason: str,
        priority: str,
        actor: str,
        now: datetime,
        language: str | None = None,
    ) -> Handoff:
        """Queue the conversation; if it already waits or talks to an agent, that handoff.
        ``language``: the one the customer writes in, when clear (routing and waits use it)."""
        with self._engine.begin() as db:
            open_one = self._open_for(db, conversation_id)
            if open_one is not None:
                return open_one
            return self._insert(
                db, conversation_id, channel, reason, priority, actor, _utc(now), language
            )

    def leave_message(
        self,
        conversation_id: str,
        *,
        channel: str,
        reason: str,
        priority: str,
        contact: str,
        message: str,
        now: datetime,
        language: str | None = None,
    ) -> Handoff:
        """Nobody can take the conversation: the customer's message (and contact) for the team.

        A waiting customer leaves the queue; one who never queued (the team is off, nobody
        online) gets a handoff that goes straight to ``message_left``.
        """
        now = _utc(now)
        with self._engine.begin() as db:
            handoff = self._open_for(db, conversation_id) or self._insert(
                db, conversation_id, channel, reason, priority, "customer", now, language
            )
            self._change(
                db,
                handoff.id,
                Action.LEAVE_MESSAGE,
                "customer",
                "left a message for the team",
                now,
                ended_at=now,
                contact=contact,
                message=message,
            )
            return self._get(db, handoff.id)

    def get(self, handoff_id: str) -> Handoff:
        with self._engine.connect() as db:
            return self._get(db, handoff_id)

    def open_for(self, conversation_id: str) -> Handoff | None:
        """The conversation's waiting or assigned handoff, if any."""
        with self._engine.connect() as db:
            return self._open_for(db, conversation_id)

    def waiting(self) -> list[Handoff]:
        """The queue, next first."""
        query = (
            handoffs.select()
            .where(handoffs.c.status == Status.QUEUED.value)
            .order_by(handoffs.c.priority_rank, handoffs.c.waiting_since, handoffs.c.id)
        )
        with self._engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def listing(self, status: Status, *, limit: int = 200) -> list[Handoff]:
        """Handoffs in ``status``: the queue in order, the assigned oldest first, the rest
        most recently ended first (at most ``limit``)."""
        if status is Status.QUEUED:
            return self.waiting()[:limit]
        query = handoffs.select().where(handoffs.c.status == status.value)
        if status is Status.ASSIGNED:
            query = query.order_by(handoffs.c.assigned_at, handoffs.c.id)
        else:
            query = query.order_by(handoffs.c.ended_at.desc(), handoffs.c.id)
        with self._engine.connect() as db:
            rows = db.execute(query.limit(limit)).mappings()
            return [_handoff(row) for row in rows]

    def requested_between(self, start: datetime, end: datetime) -> list[Handoff]:
        """Handoffs requested in ``[start, end)`` (the daily report's)."""
        query = handoffs.select().where(during(handoffs.c.requested_at, start, end))
        with self._engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def ended_since(self, moment: datetime) -> list[Handoff]:
        """Handoffs that ended at or after ``moment``, oldest end first."""
        query = (
            handoffs.select()
            .where(handoffs.c.ended_at >= _utc(moment))
            .order_by(handoffs.c.ended_at, handoffs.c.id)
        )
        with self._engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def search(
        self,
        text: str,
        *,
        statuses: list[Status],
        conversations: Sequence[str] = (),
        limit: int = 50,
    ) -> list[Handoff]:
        """Handoffs in ``statuses`` whose id, conversation, agent, contact, message, reason or
        note contains ``text`` (any case), or whose conversation is one of ``conversations``;
        the latest ended (or requested) first."""
        pattern = contains_pattern(" ".join(text.split()).lower())
        fields = [
            handoffs.c.id,
            handoffs.c.conversation_id,
            handoffs.c.agent,
            handoffs.c.contact,
            handoffs.c.message,
            handoffs.c.reason,
            handoffs.c.note,
        ]
        matches = [sa.func.lower(f).like(pattern, escape="!") for f in fields]
        if conversations:
            matches.append(handoffs.c.conversation_id.in_(list(conversations)))
        query = (
            handoffs.select()
            .where(handoffs.c.status.in_([s.value for s in statuses]), sa.or_(*matches))
            .order_by(
                sa.func.coalesce(handoffs.c.ended_at, handoffs.c.requested_at).desc(),
                handoffs.c.id,
            )
            .limit(limit)
        )
        with self._engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def of_conversation(self, conversation_id: str, *, limit: int = 50) -> list[Handoff]:
        """The conversation's handoffs, the latest request first (at most ``limit``)."""
        query = (
            handoffs.select()
            .where(handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.requested_at.desc(), handoffs.c.id)
            .limit(limit)
        )
        with self._engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def assigned_to(self, agent: str) -> list[Handoff]:
        query = handoffs.select().where(
            handoffs.c.agent == agent, handoffs.c.status == Status.ASSIGNED.value
        )
        with self._engine.connect() as db:
            return [_handoff(row) for row in db.execute(query).mappings()]

    def changes_since(self, after: int, *, limit: int = 500) -> list[tuple[int, Transition]]:
        """Status changes recorded after change number ``after`` (for followers), oldest first."""
        query = (
            handoff_events.select()
            .where(handoff_events.c.id > after)
            .order_by(handoff_events.c.id)
            .limit(limit)
        )
        with self._engine.connect() as db:
            return [(row["id"], _transition(row)) for row in db.execute(query).mappings()]

    def last_change(self) -> int:
        with self._engine.connect() as db:
            return int(db.execute(sa.select(sa.func.max(handoff_events.c.id))).scalar() or 0)

    def presence(self) -> dict[str, tuple[Presence, int]]:
        """Every known agent's presence and capacity."""
        with self._engine.connect() as db:
            rows = db.execute(agent_presence.select()).mappings()
            return {r["agent"]: (Presence(r["presence"]), r["capacity"]) for r in rows}

    def position(self, handoff_id: str) -> int | None:
        """1 for the next customer to be served; None when not waiting."""
        with self._engine.connect() as db:
            return self._position(db, handoff_id)

    def history(self, handoff_id: str) -> list[Transition]:
        query = (
            handoff_events.select()
            .where(handoff_events.c.handoff_id == handoff_id)
            .order_by(handoff_events.c.id)
        )
        with self._engine.connect() as db:
            return [_transition(row) for row in db.execute(query).mappings()]

    # -- agents ---------------------------------------------------------------------------

    def set_presence(self, agent: str, presence: Presence, *, capacity: int, now: datetime) -> None:
        if capacity < 1:
            raise HandoffError("an agent's capacity is at least 1 conversation")
        with self._engine.begin() as db:
            values = {"presence": presence.value, "capacity": capacity, "updated_at": _utc(now)}
            updated = db.execute(
                agent_presence.update().where(agent_presence.c.agent == agent).values(**values)
            )
            if updated.rowcount == 0:
                db.execute(agent_presence.insert().values(agent=agent, **values))
            self._seen(db, agent, _utc(now))

    def seen(self, agent: str, *, now: datetime) -> None:
        """The agent is there (their console is open, or their client called the API)."""
        with self._engine.begin() as db:
            self._seen(db, agent, _utc(now))

    def unheard_since(self, moment: datetime) -> list[str]:
        """Agents online or away who have not been heard from since ``moment``."""
        query = (
            sa.select(agent_presence.c.agent)
            .select_from(
                agent_presence.outerjoin(
                    agent_heartbeats, agent_heartbeats.c.agent == agent_presence.c.agent
                )
            )
            .where(
                agent_presence.c.presence != Presence.OFFLINE.value,
                sa.func.coalesce(agent_heartbeats.c.seen_at, agent_presence.c.updated_at)
                < _utc(moment),
            )
            .order_by(agent_presence.c.agent)
        )
        with self._engine.connect() as db:
            return list(db.execute(query).scalars())

    def load(self, agent: str) -> int:
        """How many conversations ``agent`` has now."""
        with self._engine.connect() as db:
            return self._load(db, agent)

    def staffing(self) -> Staffing:
        """The online agents, their total capacity and how many conversations they have."""
        with self._engine.connect() as db:
            return self._staffing(db)

    def recent_handling_times(self) -> list[timedelta]:
        """How long the latest conversations with an agent lasted, oldest first."""
        query = (
            sa.select(handoffs.c.assigned_at, handoffs.c.ended_at)
            .where(
                handoffs.c.status.in_([Status.CLOSED.value, Status.RELEASED.value]),
                handoffs.c.assigned_at.is_not(None),
            )
            .order_by(handoffs.c.ended_at.desc())
            .limit(RECENT_CONVERSATIONS)
        )
        with self._engine.connect() as db:
            rows = list(db.execute(query))
        return [stored_utc(end) - stored_utc(start) for start, end in reversed(rows)]

    def estimated_wait(self, handoff_id: str, *, hold: timedelta | None = None) -> timedelta | None:
        """The waiting customer's likely wait (None: not waiting, or nobody online). A customer
        whose language some online colleagues speak waits for those: the customers ahead who
        write it, and the colleagues' share of the others. ``hold`` (automatic assignment):
        after it anyone takes them, so they wait no longer than everyone's queue, or the hold."""
        with self._engine.connect() as db:
            position = self._position(db, handoff_id)
            if position is None:
                return None
            language = db.execute(
                sa.select(handoffs.c.language).where(handoffs.c.id == handoff_id)
            ).scalar()
            online = self._online(db)
            speakers = [agent for agent in online if speaks(agent.languages, language)]
            if language is None or not speakers or len(speakers) == len(online):
                return estimate_wait(position, _staffing_of(online), self.recent_handling_times())
            same = self._position(db, handoff_id, language=language) or 1
        recent = self.recent_handling_times()
        share = sum(a.capacity for a in speakers) / sum(a.capacity for a in online)
        ahead = same + math.ceil((position - same) * share)
        by_speakers = estimate_wait(ahead, _staffing_of(speakers), recent)
        everyone = estimate_wait(position, _staffing_of(online), recent)
        if hold is None or by_speakers is None or everyone is None:
            return by_speakers
        return min(by_speakers, max(everyone, hold))

    # -- changes --------------------------------------------------------------------------

    def claim(
        self, handoff_id: str, agent: str, *, now: datetime, tell: Tell | None = None
    ) -> Handoff:
        """``agent`` takes a waiting customer (exactly one of several claims wins)."""
        with self._engine.begin() as db:
            self._check_capacity(db, agent)
            actor = f"agent:{agent}"
            return self._assign(db, handoff_id, agent, Action.CLAIM, actor, now, tell)

    def assign_next(
        self, *, now: datetime, tell: Tell | None = None, hold: timedelta = timedelta(0)
    ) -> Handoff | None:
        """Give the first waiting customer who can be served now to the least-loaded online
        agent with room who speaks their language; ``hold``: how long a customer waits for a
        busy colleague who speaks it before anyone takes them (``bot.handoff.routing``)."""
        with self._engine.begin() as db:
            online = self._online(db)
            if not any(agent.has_room for agent in online):
                return None
            waiting = db.execute(
                sa.select(handoffs.c.id, handoffs.c.language, handoffs.c.waiting_since)
                .where(handoffs.c.status == Status.QUEUED.value)
                .order_by(handoffs.c.priority_rank, handoffs.c.waiting_since, handoffs.c.id)
                .limit(WAITING_LOOKED_AT)
            ).all()
            for handoff_id, language, waiting_since in waiting:
                waited = _utc(now) - stored_utc(waiting_since)
                agent = choose_agent(language, online, waited=waited, hold=hold)
                if agent is not None:
                    return self._assign(db, handoff_id, agent, Action.ASSIGN, "system", now, tell)
            return None

    def transfer(
        self,
        handoff_id: str,
        *,
        to_agent: str,
        actor: str,
        now: datetime,
        tell: Tell | None = None,
    ) -> Handoff:
        with self._engine.begin() as db:
            self._check_capacity(db, to_agent)
            reason = f"transferred to {to_agent}"
            record = self._change(
                db, handoff_id, Action.TRANSFER, actor, reason, _utc(now), agent=to_agent
            )
            return self._told(db, record, tell)

    def requeue(
        self, handoff_id: str, *, reason: str, now: datetime, tell: Tell | None = None
    ) -> Handoff:
        """The agent went away: back to the queue, keeping the customer's place."""
        with self._engine.begin() as db:
            record = self._change(
                db, handoff_id, Action.REQUEUE, "system", reason, _utc(now), agent=None
            )
            return self._told(db, record, tell)

    def end(
        self,
        handoff_id: str,
        action: Action,
        *,
        actor: str,
        reason: str = "",
        now: datetime,
        tell: Tell | None = None,
    ) -> Handoff:
        """Close (with the note as reason), release, cancel, abandon or leave a message."""
        if action not in (
            Action.CLOSE,
            Action.RELEASE,
            Action.CANCEL,
            Action.ABANDON,
            Action.LEAVE_MESSAGE,
        ):
            raise HandoffError(f"{action.value} does not end a handoff")
        if action is Action.CLOSE and not reason.strip():
            raise HandoffError("closing needs a resolution note")
        now = _utc(now)
        with self._engine.begin() as db:
            note = reason if action is Action.CLOSE else None
            record = self._change(
                db, handoff_id, action, actor, reason, now, ended_at=now, note=note
            )
            return self._told(db, record, tell)

    # -- internals ------------------------------------------------------------------------

    def _assign(
        self,
        db: sa.Connection,
        handoff_id: str,
        agent: str,
        action: Action,
        actor: str,
        now: datetime,
        tell: Tell | None,
    ) -> Handoff:
        now = _utc(now)
        record = self._change(
            db, handoff_id, action, actor, f"to {agent}", now, agent=agent, assigned_at=now
        )
        return self._told(db, record, tell)

    def _told(self, db: sa.Connection, record: Transition, tell: Tell | None) -> Handoff:
        """The handoff after ``record``; what ``tell`` says of it goes into the outbox in the
        same transaction, so the conversation hears of every change that was made."""
        after = self._get(db, record.handoff_id)
        if tell is not None:
            enqueue(db, after.conversation_id, tell(after, record), record.at)
        return after

    def _change(
        self,
        db: sa.Connection,
        handoff_id: str,
        action: Action,
        actor: str,
        reason: str,
        now: datetime,
        **values: Any,
    ) -> Transition:
        current = self._get(db, handoff_id)
        record = transition(handoff_id, current.status, action, actor=actor, reason=reason, at=now)
        updated = db.execute(
            handoffs.update()
            .where(handoffs.c.id == handoff_id, handoffs.c.status == current.status.value)
            .values(status=record.after.value, **values)
        )
        if updated.rowcount != 1:  # someone else changed it in between
            raise HandoffTransitionError(f"handoff {handoff_id} was changed by someone else")
        self._log(db, record)
        return record

    def _log(self, db: sa.Connection, record: Transition) -> None:
        db.execute(
            handoff_events.insert().values(
                handoff_id=record.handoff_id,
                action=record.action.value,
                from_status=record.before.value if record.before else None,
                to_status=record.after.value,
                actor=record.actor,
                reason=record.reason,
                at=record.at,
            )
        )

    def _insert(
        self,
        db: sa.Connection,
        conversation_id: str,
        channel: str,
        reason: str,
        priority: str,
        actor: str,
        now: datetime,
        language: str | None = None,
    ) -> Handoff:
        if priority not in PRIORITY_RANK:
            raise HandoffError(f"priority must be one of {', '.join(PRIORITY_RANK)}")
        handoff_id = _new_id()
        record = transition(handoff_id, None, Action.REQUEST, actor=actor, reason=reason, at=now)
        db.execute(
            handoffs.insert().values(
                id=handoff_id,
                conversation_id=conversation_id,
                channel=channel,
                status=record.after.value,
                priority=priority,
                priority_rank=PRIORITY_RANK[priority],
                reason=reason,
                requested_at=now,
                waiting_since=now,
                language=language_code(language),
            )
        )
        self._log(db, record)
        return self._get(db, handoff_id)

    def _get(self, db: sa.Connection, handoff_id: str) -> Handoff:
        row = db.execute(handoffs.select().where(handoffs.c.id == handoff_id)).mappings().first()
        if row is None:
            raise HandoffNotFoundError(f"no handoff {handoff_id}")
        return _handoff(row)

    def _open_for(self, db: sa.Connection, conversation_id: str) -> Handoff | None:
        row = (
            db.execute(
                handoffs.select().where(
                    handoffs.c.conversation_id == conversation_id,
                    handoffs.c.status.in_([Status.QUEUED.value, Status.ASSIGNED.value]),
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else _handoff(row)

    def _seen(self, db: sa.Connection, agent: str, now: datetime) -> None:
        updated = db.execute(
            agent_heartbeats.update()
            .where(agent_heartbeats.c.agent == agent, agent_heartbeats.c.seen_at < now)
            .values(seen_at=now)
        )
        if updated.rowcount == 0:
            exists = db.execute(
                sa.select(agent_heartbeats.c.agent).where(agent_heartbeats.c.agent == agent)
            ).first()
            if exists is None:
                db.execute(agent_heartbeats.insert().values(agent=agent, seen_at=now))

    def _load(self, db: sa.Connection, agent: str) -> int:
        count = db.execute(
            sa.select(sa.func.count()).where(
                handoffs.c.agent == agent, handoffs.c.status == Status.ASSIGNED.value
            )
        ).scalar_one()
        return int(count)

    def _check_capacity(self, db: sa.Connection, agent: str) -> None:
        row = (
            db.execute(agent_presence.select().where(agent_presence.c.agent == agent))
            .mappings()
            .first()
        )
        if row is None or row["presence"] != Presence.ONLINE.value:
            raise HandoffError(f"agent {agent} is not online")
        if self._load(db, agent) >= row["capacity"]:
            raise HandoffError(f"agent {agent} already has {row['capacity']} conversations")

    def _online(self, db: sa.Connection) -> list[OnlineAgent]:
        """Every online agent: capacity, conversations now, and languages."""
        query = sa.select(
            agent_presence.c.agent, agent_presence.c.capacity, agents.c.languages
        ).select_from(agent_presence.outerjoin(agents, agents.c.name == agent_presence.c.agent))
        query = query.where(agent_presence.c.presence == Presence.ONLINE.value)
        loads = self._loads(db)
        return [
            OnlineAgent(str(name), int(capacity), loads.get(str(name), 0), stored_languages(codes))
            for name, capacity, codes in db.execute(query)
        ]

    def _loads(self, db: sa.Connection) -> dict[str, int]:
        """How many conversations each agent has now (one query for all of them)."""
        query = (
            sa.select(handoffs.c.agent, sa.func.count())
            .where(handoffs.c.status == Status.ASSIGNED.value)
            .group_by(handoffs.c.agent)
        )
        return {str(agent): int(count) for agent, count in db.execute(query)}

    def _staffing(self, db: sa.Connection) -> Staffing:
        return _staffing_of(self._online(db))

    def _position(
        self, db: sa.Connection, handoff_id: str, *, language: str | None = None
    ) -> int | None:
        """Counted in the database: the waiting customers ahead in the queue's order (with
        ``language``: only those writing it)."""
        me = handoffs.alias("me")
        order = (handoffs.c.priority_rank, handoffs.c.waiting_since, handoffs.c.id)
        mine = (me.c.priority_rank, me.c.waiting_since, me.c.id)
        ahead = [handoffs.c.status == Status.QUEUED.value, sa.tuple_(*order) < sa.tuple_(*mine)]
        if language is not None:
            ahead.append(handoffs.c.language == language)
        query = (
            sa.select(sa.func.count(handoffs.c.id))
            .select_from(me.outerjoin(handoffs, sa.and_(*ahead)))
            .where(me.c.id == handoff_id, me.c.status == Status.QUEUED.value)
            .group_by(me.c.id)
        )
        ahead = db.execute(query).scalar()
        return None if ahead is None else int(ahead) + 1


def _new_id() -> str:
    """32 hex characters that sort by creation time (the queue's tie-breaker: FIFO even for
    requests in the same clock tick), then random."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


def _staffing_of(online: list[OnlineAgent]) -> Staffing:
    return Staffing(
        agents_online=len(online),
        capacity=sum(agent.capacity for agent in online),
        load=sum(agent.load for agent in online),
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise HandoffError("handoff times must carry a timezone")
    return moment.astimezone(UTC)


def _transition(row: Any) -> Transition:
    return Transition(
        handoff_id=row["handoff_id"],
        action=Action(row["action"]),
        before=Status(row["from_status"]) if row["from_status"] else None,
        after=Status(row["to_status"]),
        actor=row["actor"],
        reason=row["reason"],
        at=stored_utc(row["at"]),
    )


def _handoff(row: Any) -> Handoff:
    optional = {k: row[k] for k in ("assigned_at", "ended_at")}
    return Handoff(
        id=row["id"],
        conversation_id=row["conversation_id"],
        channel=row["channel"],
        status=Status(row["status"]),
        priority=row["priority"],
        reason=row["reason"],
        requested_at=stored_utc(row["requested_at"]),
        waiting_since=stored_utc(row["waiting_since"]),
        agent=row["agent"],
        assigned_at=stored_utc(optional["assigned_at"]) if optional["assigned_at"] else None,
        ended_at=stored_utc(optional["ended_at"]) if optional["ended_at"] else None,
        note=row["note"],
        contact=row["contact"],
        message=row["message"],
        language=row["language"],
    )

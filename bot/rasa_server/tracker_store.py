"""Rasa's SQL tracker store, publishing new events cheaply and keeping trackers between messages.

``CachingSQLTrackerStore`` (what both ``endpoints.yml`` files use) keeps the tracker of each
recent conversation in memory after saving it. Rasa's store reads the whole session back
from the database for every message (every event deserialised and replayed): at turns
90-260 of one conversation that was 45% of the Rasa server's time, the main reason a long
conversation answered slower. The kept tracker is used only when it is exactly what the
database holds: its events are all stored (nothing was added since the save), no other
process or server wrote to the conversation since (the id of its latest stored event and the
number of its events are unchanged: another Rasa server of a cluster, an erasure), it covers
one session (Rasa's store reads back only the latest), and the domain is the same. Otherwise,
or for a conversation not seen lately, it reads the database as Rasa's store does. Rasa's lock
store already makes each conversation's messages run one at a time, across servers. Saving a
kept tracker stores its new events itself, knowing what the database then holds (the latest
id and the number of events it held when the tracker was served, and the rows just added)
without asking; every count it does ask for is the database's own (``count_of``).

With an event broker, Rasa's ``TrackerStore.stream_events`` reads the whole stored
conversation back (every event, deserialised and replayed) at each save, only to find which
events are new: the longer a conversation, the dearer each answer (at 500 customers the
cluster fell far behind). ``StreamingSQLTrackerStore`` (the base of the one above) counts the
stored events once, as Rasa's own save does to decide what to insert, stores exactly those
events (the same rows as Rasa's store) and publishes them after they are committed (so a
reader told of an event finds it in the tracker store). One box has no broker: there it saves
as Rasa's store does.

On SQLite (one box) the store keeps its database connections open between messages
(``bot.storage.tracker.kept_open``): SQLAlchemy 1.4, which Rasa 3.6 uses, opens and closes a
connection for every database session of a file database, and a message takes three or four.
Measured (a save and a read back of a short conversation): 3.2 ms of CPU with a connection
each time, 1.8 ms kept open.
"""

from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.storage.tracker import count_of, kept_open, latest_and_count


class StreamingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """Rasa's: the tracker's events not stored yet."""
        stored = self._stored_count(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    def _stored_count(self, session: Any, tracker: DialogueStateTracker) -> int:
        """How many of the tracker's events the database holds (those of its latest session,
        as Rasa's store counts them), counted without reading them."""
        return count_of(self._event_query(session, tracker.sender_id, False))

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Nothing here: ``save`` publishes what it stored."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None:
            await super().save(tracker)
            return
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        await self._store(tracker.sender_id, new_events)

    async def _store(self, sender_id: str, events: list[Event]) -> int | None:
        """Store the events' rows (Rasa's) and, with a broker, publish them once committed:
        the largest id given to them (None for no events)."""
        with self.session_scope() as session:
            rows = [self._row(sender_id, event) for event in events]
            session.add_all(rows)
            session.flush()  # the rows' ids
            latest = max((int(row.id) for row in rows), default=None)
            session.commit()
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, events, sender_id)
        return latest

    def _row(self, sender_id: str, event: Event) -> Any:
        """The row Rasa's own ``SQLTrackerStore.save`` stores for the event."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )


#: Conversations whose trackers are kept (the least recently used are dropped).
KEPT_CONVERSATIONS = 500


@dataclass(frozen=True)
class _Kept:
    tracker: DialogueStateTracker
    events: int  # how many it had when saved
    stored: tuple[int | None, int]  # the database's (latest event id, events) for it then
    domain: Domain | None


class CachingSQLTrackerStore(StreamingSQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine, sessions = kept_open(self.engine, self.sessionmaker)  # type: ignore[has-type]
        self.engine, self.sessionmaker = engine, sessions
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.pop(sender_id, None)
        if kept is not None and self._still_current(kept):
            self._kept[sender_id] = kept  # now the most recently used
            return kept.tracker
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        kept = self._kept.pop(tracker.sender_id, None)
        known = _stored_events(kept, tracker, self.domain)
        if kept is not None and known is not None:
            await self._save_kept(tracker, kept, known)
            return
        await super().save(tracker)
        # Kept only if reading the database would give exactly its events: not for a
        # conversation of several sessions (Rasa reads back only the latest) or a replaced
        # history.
        with self.session_scope() as session:  # one connection: SQLite opens one per session
            read_back = count_of(self._event_query(session, tracker.sender_id, False))
            stored = self._stored(session, tracker.sender_id)
        if read_back == len(tracker.events):
            self._keep(tracker, stored)

    async def _save_kept(self, tracker: DialogueStateTracker, kept: _Kept, known: int) -> None:
        """Store the new events of the tracker kept since its last save (the same rows as
        Rasa's store), knowing what the database then holds without asking it: what it held
        (checked when the tracker was served) and these rows."""
        new_events = list(itertools.islice(tracker.events, known, None))
        latest = await self._store(tracker.sender_id, new_events)
        stored = (kept.stored[0] if latest is None else latest, kept.stored[1] + len(new_events))
        self._keep(tracker, stored)

    def _keep(self, tracker: DialogueStateTracker, stored: tuple[int | None, int]) -> None:
        self._kept[tracker.sender_id] = _Kept(tracker, len(tracker.events), stored, self.domain)
        while len(self._kept) > KEPT_CONVERSATIONS:
            self._kept.popitem(last=False)

    def _still_current(self, kept: _Kept) -> bool:
        """Nothing added to it since it was saved, nobody else wrote, the same domain."""
        if len(kept.tracker.events) != kept.events or kept.domain is not self.domain:
            return False
        with self.session_scope() as session:
            return self._stored(session, kept.tracker.sender_id) == kept.stored

    def _stored(self, session: Any, sender_id: str) -> tuple[int | None, int]:
        """The database's latest event id and number of events for the conversation."""
        query = session.query(self.SQLEvent.id).filter(self.SQLEvent.sender_id == sender_id)
        return latest_and_count(query, self.SQLEvent.id)


def _stored_events(
    kept: _Kept | None, tracker: DialogueStateTracker, domain: Domain | None
) -> int | None:
    """How many of the tracker's events the database holds, without asking it: known when the
    tracker being saved is the one kept (so checked when it was served: nobody else wrote
    since, and Rasa's lock store lets no one write while it is handled), and no new session
    began in it since (Rasa's store then counts only the new session's events)."""
    if kept is None or kept.tracker is not tracker or kept.domain is not domain:
        return None
    if len(tracker.events) < kept.events or tracker.events.maxlen is not None:
        return None
    added = itertools.islice(tracker.events, kept.events, None)
    if any(isinstance(event, SessionStarted) for event in added):
        return None
    return kept.events

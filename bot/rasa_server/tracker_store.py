"""``StreamingSQLTrackerStore``: Rasa's SQL tracker store, publishing new events cheaply.

With an event broker, Rasa's ``TrackerStore.stream_events`` reads the whole stored
conversation back (every event, deserialised and replayed) at each save, only to find which
events are new: the longer a conversation, the dearer each answer (at 500 customers the
cluster fell far behind). This store counts the stored events instead, as Rasa's own save
does to decide what to insert, and publishes exactly those events, after they are committed
(so a reader told of an event finds it in the tracker store). Used by ``deploy/endpoints.yml``
(the cluster); one box has no broker and uses Rasa's store as it is.
"""

from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker


class StreamingSQLTrackerStore(SQLTrackerStore):
    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Nothing here: ``save`` publishes what it stored."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None:
            await super().save(tracker)
            return
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        await super().save(tracker)
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

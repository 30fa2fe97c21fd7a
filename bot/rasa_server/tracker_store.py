"""``StreamingSQLTrackerStore``: Rasa's SQL tracker store, publishing new events cheaply.

With an event broker, Rasa's ``TrackerStore.stream_events`` reads the whole stored
conversation back (every event, deserialised and replayed) at each save, only to find which
events are new: the longer a conversation, the dearer each answer (at 500 customers the
cluster fell far behind). This store counts the stored events once, as Rasa's own save does
to decide what to insert, stores exactly those events (the same rows as Rasa's store) and
publishes them after they are committed (so a reader told of an event finds it in the
tracker store). Used by ``deploy/endpoints.yml`` (the cluster); one box has no broker and
uses Rasa's store as it is.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY


class StreamingSQLTrackerStore(SQLTrackerStore):
    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Nothing here: ``save`` publishes what it stored."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None:
            await super().save(tracker)
            return
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            for event in new_events:
                session.add(self._row(tracker.sender_id, event))
            session.commit()
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

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

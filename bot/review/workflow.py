"""The review loop's steps: mine new messages into the inbox, and apply a lead's decision.

Mining (``ReviewWorkflow.mine``): read the tracker rows added since the last run, re-read
the conversations they belong to, find the candidates (``mining.py``), mask personal data
(``bot.privacy``) before anything is stored, group near-duplicates with the open groups
(``clustering.py``), and refresh each touched group's figures and suggestions.

Deciding (``ReviewWorkflow.decide``): write the group's messages where the decision says —
an intent's examples (and, for every second message of a group, the frozen evaluation set
instead, so it grows with reviewed messages and stays apart from training data), a new
intent, or a knowledge-base article's question variants — then close the group and record
who decided what in the audit log, in one transaction. A group the bot answered wrongly can
instead mark the article it answered with as needing work (``article_needs_work``): nothing is
written into the project, the audit log keeps the mark, and ``articles_needing_work`` lists the
marked articles with their wrong answers (both in ``needs_work.py``).

Mining again a conversation whose messages are already in the inbox brings their signals up to
date: a customer's "no" or request for a person after a mining run still reaches the message.
New messages join the open groups only; a decided group keeps what it was decided on. So a
message of a decided group that turns out to have been answered wrongly after the decision
(a late wrong answer) leaves that group for the open ones, as a new message would: it joins a
near-duplicate open group or starts one, and waits for a lead there. The decided group keeps
its decision and guess (even with no message left); the audit log keeps what it wrote.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.conversations.repeats import REPEAT_SIMILARITY
from bot.embeddings import Embedder
from bot.review.clustering import cluster_by_language
from bot.review.inbox import (
    ARTICLE_NEEDS_WORK,
    DECIDED,
    IGNORED,
    ArticleNeedingWork,
    ReviewItem,
    ReviewMessage,
)
from bot.review.mining import EVENT_TYPES, REPLY_CHARACTERS, Candidate, Signal, mine
from bot.review.needs_work import (
    article_path,
    article_to_mark,
    articles_needing_work,
)
from bot.review.suggestion import Nearest, suggest
from bot.review.training_data import (
    IntentFile,
    ProjectIntents,
    TrainingDataError,
    add_article_variants,
)
from bot.storage.review import SqlReviewInbox
from bot.storage.tracker import ConversationStore

if TYPE_CHECKING:  # spaCy (which the redactor loads) is imported only when mining
    from bot.privacy.redactor import Redactor

logger = logging.getLogger(__name__)

#: A message's weight in a group's impact halves every this many days.
HALF_LIFE_DAYS = 14.0
#: A message after which the customer asked for a person weighs this much more.
PERSON_WEIGHT = 2.0
#: A message the bot answered wrongly, and confidently, weighs this much more: the customer
#: was told something wrong as if it were the answer (with a person asked for: 6).
WRONG_ANSWER_WEIGHT = 3.0

ACTIONS = ("accept", "intent", "new_intent", "faq_variant", "ignore", ARTICLE_NEEDS_WORK)
#: Decisions that write nothing into the project's files.
WRITES_NOTHING = frozenset({"ignore", ARTICLE_NEEDS_WORK})
#: A knowledge-base article's id: its file name without ``.md``.
ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


@dataclass(frozen=True)
class Decision:
    """A lead's decision about one group (see ``ACTIONS``)."""

    action: str
    intent: str | None = None
    topic: str | None = None  # for a new intent: data/nlu/<topic>.yml
    article: str | None = None  # for article_needs_work: by default the one answered wrongly

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        action = str(data.get("action") or "")
        if action not in ACTIONS:
            raise TrainingDataError(
                f"unknown decision {action!r}", hint=f"one of: {', '.join(ACTIONS)}"
            )
        decision = cls(
            action=action,
            intent=_text_or_none(data.get("intent")),
            topic=_text_or_none(data.get("topic")),
            article=_text_or_none(data.get("article")),
        )
        if action in ("intent", "new_intent") and not decision.intent:
            raise TrainingDataError(f"'{action}' needs an intent name")
        if action == "faq_variant" and not decision.article:
            raise TrainingDataError("'faq_variant' needs an article id")
        if decision.article is not None and not ARTICLE_ID.fullmatch(decision.article):
            raise TrainingDataError(
                f"{decision.article[:80]!r} is not an article id",
                hint="the id is an article's file name without .md: letters, digits, - and _",
            )
        return decision

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _text_or_none(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True)
class MiningResult:
    scanned_to: int
    candidates: int
    new_messages: int
    new_items: int
    updated_items: int
    late_wrong_answers: int = 0  # moved from decided groups to open ones (see the docstring)

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


class ReviewWorkflow:
    def __init__(
        self,
        *,
        inbox: SqlReviewInbox,
        store: ConversationStore,
        redactor: Callable[[], Redactor],
        embedder: Callable[[], Embedder],
        project: ProjectIntents,
        eval_file: IntentFile,
        kb_dir: Path,
        clock: Callable[[], datetime],
        repeat_similarity: float = REPEAT_SIMILARITY,
    ) -> None:
        self.inbox = inbox
        self.store = store
        self._redactor = redactor  # both are loaded on first use: listing needs neither
        self._embedder = embedder
        self.project = project
        self.eval_file = eval_file
        self.kb_dir = kb_dir
        self.clock = clock
        #: "The same question again" by meaning: config.yml's, as the escalation policy's.
        self.repeat_similarity = repeat_similarity

    @functools.cached_property
    def redactor(self) -> Redactor:
        return self._redactor()

    @functools.cached_property
    def embedder(self) -> Embedder:
        return self._embedder()

    # -- mining -------------------------------------------------------------------------------

    def mine(self) -> MiningResult:
        last = self.inbox.last_row()
        fresh = list(self.store.scan(EVENT_TYPES, after=last))
        if not fresh:
            return MiningResult(last, 0, 0, 0, 0, 0)
        scanned_to = max(row for row, _, _ in fresh)
        if last:  # re-read the touched conversations whole: context before the new rows
            touched = sorted({conversation for _, conversation, _ in fresh})
            fresh = list(self.store.scan(EVENT_TYPES, conversations=touched))
        candidates = mine(fresh, repeat_similarity=self.repeat_similarity)
        stored = self.inbox.stored_messages([c.key for c in candidates])
        new = [c for c in candidates if c.key not in stored]
        changes = _changes(candidates, stored, mask=self.redactor.redact)
        result = self.add_candidates(new, scanned_to=scanned_to, changes=changes)
        return MiningResult(scanned_to, len(candidates), len(new), *result)

    def add_candidates(
        self,
        candidates: Sequence[Candidate],
        *,
        scanned_to: int,
        changes: dict[int, list[_Change]] | None = None,
    ) -> tuple[int, int, int]:
        """Mask, group and store new candidates, and bring ``changes`` to stored messages
        (group id -> changes); returns (new groups, updated groups, late wrong answers). A
        late wrong answer in a decided group is grouped like a new message. Every group
        touched gets fresh figures, and an open one a fresh suggestion."""
        changes = changes or {}
        if not candidates and not changes:
            with self.inbox.begin() as connection:
                self.inbox.set_last_row(connection, scanned_to)
            return 0, 0, 0
        leaders = self.inbox.open_leaders()
        closed = [item_id for item_id in changes if item_id not in {i for i, _, _ in leaders}]
        late = [c for item_id in closed for c in changes[item_id] if c.newly_wrong]
        masked = [self.redactor.redact(c.text) for c in candidates] if candidates else []
        texts = masked + [c.message.text for c in late]  # stored messages are masked already
        languages = [c.language for c in candidates] + [c.message.language for c in late]
        vectors = self._embed_unique(texts)
        leader_vectors = self._embed_unique([text for _, text, _ in leaders])
        members: dict[int, list[int]] = {}
        grouped = cluster_by_language(
            vectors,
            languages,
            leaders=leader_vectors,
            leader_languages=[language for _, _, language in leaders],
        )
        for position, group in enumerate(grouped):
            members.setdefault(group, []).append(position)
        # Each touched open group's representative text and its embedding.
        touched = {
            leaders[i][0]: (leaders[i][1], leader_vectors[i])
            for i in range(len(leaders))
            if leaders[i][0] in changes or i in members
        }
        updated = len(touched) + len(closed)
        new_items = 0
        moved: dict[str, int] = {}  # a late wrong answer's key -> its open group
        with self.inbox.begin() as connection:
            for group, positions in members.items():
                if group < len(leaders):
                    item_id = leaders[group][0]
                else:
                    first = positions[0]
                    item_id = self.inbox.create_item(
                        connection,
                        _new_item_values(texts[first], languages[first], self.clock()),
                    )
                    touched[item_id] = (texts[first], vectors[first])
                    new_items += 1
                self.inbox.add_messages(
                    connection,
                    [
                        _message_row(candidates[p], masked[p], item_id, self.redactor.redact)
                        for p in positions
                        if p < len(candidates)
                    ],
                )
                moved.update(
                    (late[p - len(candidates)].key, item_id)
                    for p in positions
                    if p >= len(candidates)
                )
            for updates in changes.values():
                for change in updates:
                    values = dict(change.values)
                    if change.key in moved:
                        values["item_id"] = moved[change.key]
                    self.inbox.update_message(connection, change.key, values)
            self._refigure(connection, touched, closed)
            self.inbox.set_last_row(connection, scanned_to)
        return new_items, updated, len(late)

    def _refigure(
        self, connection: Any, open_groups: dict[int, tuple[str, Any]], closed: Sequence[int]
    ) -> None:
        """Fresh figures for the groups, and for the open ones a fresh suggestion."""
        if open_groups:
            examples = Nearest.of_intents(self.project.examples(), self.embedder)
            articles = Nearest.of_articles(self.kb_dir, self.embedder)
        for item_id, (representative, centre) in open_groups.items():
            messages = self.inbox.messages_of(connection, item_id)
            figures = _figures(messages, self.clock())
            wrong = {m.answered_article for m in messages if m.answered_wrongly}
            suggestion = suggest(
                representative,
                centre,
                figures["predicted_intent"],
                examples,
                articles,
                answered_wrongly_with={a for a in wrong if a},
            )
            figures["suggestion"] = json.dumps(suggestion)
            self.inbox.update_item(connection, item_id, figures)
        for item_id in closed:  # the guess it was decided on stays, even with no message left
            messages = self.inbox.messages_of(connection, item_id)
            figures = _figures(messages, self.clock()) if messages else dict(_NO_MESSAGES)
            figures.pop("predicted_intent", None)
            figures.pop("confidence", None)
            self.inbox.update_item(connection, item_id, figures)

    def _embed_unique(self, texts: Sequence[str]) -> Any:
        unique = sorted(set(texts))
        vectors = self.embedder.embed(unique) if unique else np.zeros((0, self.embedder.dimension))
        position = {text: i for i, text in enumerate(unique)}
        return np.asarray(vectors, dtype=np.float32)[[position[t] for t in texts]]

    # -- deciding -----------------------------------------------------------------------------

    def decide(self, item_id: int, decision: Decision, *, actor: str) -> dict[str, Any]:
        """Apply ``decision`` to an open group; returns the audit record's detail."""
        item = self.inbox.item(item_id)
        if decision.action == ARTICLE_NEEDS_WORK:
            article = article_to_mark(item, decision.article, kb_dir=self.kb_dir)
            decision = dataclasses.replace(decision, article=article)
        now = self.clock()
        written: dict[str, list[str]] = {}
        with self.inbox.begin() as connection:
            status = IGNORED if decision.action == "ignore" else DECIDED
            self.inbox.close(
                connection,
                item_id,
                status=status,
                decision=decision.to_json(),
                actor=actor,
                at=now,
            )
            if decision.action not in WRITES_NOTHING:
                written = self._write(item, decision)
            detail: dict[str, Any] = {
                "decision": decision.to_json(),
                "text": item.text,
                "written": written,
            }
            if decision.action == ARTICLE_NEEDS_WORK:
                detail["wrong_answers"] = item.wrong_answers.get(str(decision.article), 0)
            self.inbox.record(
                connection,
                actor=actor,
                item_id=item_id,
                action=decision.action,
                detail=detail,
                at=now,
            )
        logger.info("review item %s: %s by %s", item_id, decision.action, actor)
        return detail

    def articles_needing_work(self) -> list[ArticleNeedingWork]:
        """The articles leads marked as needing work (``needs_work.articles_needing_work``)."""
        return articles_needing_work(self.inbox, kb_dir=self.kb_dir)

    def _write(self, item: ReviewItem, decision: Decision) -> dict[str, list[str]]:
        texts = _unique_texts(item.messages)
        home = self.project.home
        if decision.action == "faq_variant":
            path = article_path(self.kb_dir, str(decision.article))
            return {_relative(path, home): add_article_variants(path, texts)}
        intent = item.predicted_intent if decision.action == "accept" else decision.intent
        if not intent:
            raise TrainingDataError(
                "the bot made no guess for this group", hint="pick an intent instead of accepting"
            )
        train, held_out = texts[::2], texts[1::2]
        written: dict[str, list[str]] = {}
        if decision.action == "new_intent":
            path, added = self.project.create_intent(
                intent, train, topic=decision.topic or "reviewed"
            )
        else:
            path, added = self.project.add_examples(intent, train)
        written[_relative(path, home)] = added
        if held_out:
            added_eval = self.eval_file.add(intent, held_out, create=True)
            written[_relative(self.eval_file.path, home)] = added_eval
        return written


def _relative(path: Path, home: Path) -> str:
    try:
        return path.resolve().relative_to(home.resolve()).as_posix()
    except ValueError:
        return str(path)


def _unique_texts(messages: Sequence[ReviewMessage]) -> list[str]:
    seen: set[str] = set()
    texts: list[str] = []
    for message in sorted(messages, key=lambda m: (m.sent_at, m.key)):
        normal = " ".join(message.text.lower().split())
        if normal not in seen:
            seen.add(normal)
            texts.append(message.text)
    return texts


@dataclass(frozen=True)
class _Change:
    """What mining found out about a stored message since it was mined: ``values`` to store."""

    key: str
    message: ReviewMessage  # as stored
    values: dict[str, Any]

    @property
    def newly_wrong(self) -> bool:
        """The message has only now been shown answered wrongly."""
        signals = json.loads(self.values.get("signals", "[]"))
        return Signal.ANSWERED_WRONGLY in signals and not self.message.answered_wrongly


def _changes(
    candidates: Sequence[Candidate],
    stored: dict[str, tuple[int, ReviewMessage]],
    *,
    mask: Callable[[str], str],
) -> dict[int, list[_Change]]:
    """What mining found out since stored messages were mined (a signal, a request for a
    person, the article answered with): group id -> changes."""
    changes: dict[int, list[_Change]] = {}
    for candidate in candidates:
        if candidate.key not in stored:
            continue
        item_id, message = stored[candidate.key]
        values: dict[str, Any] = {}
        signals = set(message.signals) | set(candidate.signals)
        if signals != set(message.signals):
            values["signals"] = json.dumps(sorted(signals))
        if candidate.asked_for_person and not message.asked_for_person:
            values["asked_for_person"] = True
        if candidate.answered_article and not message.answered_article:
            values["answered_article"] = candidate.answered_article
        if candidate.bot_reply and not message.bot_reply:
            values["bot_reply"] = _masked_reply(candidate.bot_reply, mask)
        if candidate.next_message and not message.next_message:
            values["next_message"] = _masked_reply(candidate.next_message, mask)
        if values:
            changes.setdefault(item_id, []).append(_Change(candidate.key, message, values))
    return changes


def _message_row(
    candidate: Candidate, masked: str, item_id: int, mask: Callable[[str], str]
) -> dict[str, Any]:
    return {
        "key": candidate.key,
        "item_id": item_id,
        "conversation_id": candidate.conversation_id,
        "sent_at": candidate.sent_at,
        "text": masked,
        "intent": candidate.intent,
        "language": candidate.language,
        "confidence": candidate.confidence,
        "signals": json.dumps(sorted(candidate.signals)),
        "model_id": candidate.model_id,
        "asked_for_person": candidate.asked_for_person,
        "answered_article": candidate.answered_article,
        "bot_reply": _masked_reply(candidate.bot_reply, mask),
        "next_message": _masked_reply(candidate.next_message, mask),
    }


def _masked_reply(text: str | None, mask: Callable[[str], str]) -> str | None:
    """What the bot replied or the customer wrote next, masked whole and then shortened."""
    return mask(text)[:REPLY_CHARACTERS] if text else None


def _new_item_values(text: str, language: str | None, now: datetime) -> dict[str, Any]:
    """A new group's row before its figures are computed (in the same transaction)."""
    return {
        "text": text,
        "language": language,
        "size": 0,
        "conversations": 0,
        "asked_for_person": 0,
        "score": 0.0,
        "last_seen": now,
        "signals": "{}",
        "suggestion": "{}",
    }


#: The figures of a decided group left with no message (its late wrong answers moved out).
_NO_MESSAGES: dict[str, Any] = {
    "size": 0,
    "conversations": 0,
    "asked_for_person": 0,
    "score": 0.0,
    "signals": "{}",
}


def _figures(messages: Sequence[ReviewMessage], now: datetime) -> dict[str, Any]:
    """A group's size, impact and the model's majority guess, from its messages."""
    score = 0.0
    signals: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    for message in messages:
        age_days = max(0.0, (now - message.sent_at).total_seconds() / 86400)
        weight = math.pow(0.5, age_days / HALF_LIFE_DAYS)
        weight *= PERSON_WEIGHT if message.asked_for_person else 1.0
        score += weight * (WRONG_ANSWER_WEIGHT if message.answered_wrongly else 1.0)
        signals.update(message.signals)
        if message.intent:
            intents[message.intent] += 1
    predicted = intents.most_common(1)[0][0] if intents else None
    confidences = [m.confidence for m in messages if m.intent == predicted]
    return {
        "size": len(messages),
        "conversations": len({m.conversation_id for m in messages}),
        "asked_for_person": sum(1 for m in messages if m.asked_for_person),
        "score": score,
        "last_seen": max(m.sent_at for m in messages),
        "signals": json.dumps(dict(sorted(signals.items()))),
        "predicted_intent": predicted,
        "confidence": sum(confidences) / len(confidences) if confidences else None,
    }

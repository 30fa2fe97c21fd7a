"""Writing reviewed messages into the project's files, keeping their format and comments.

- ``IntentFile``: a Rasa NLU YAML file (``data/nlu/<topic>.yml``, or the frozen evaluation
  set ``evaluation/intents.yml``): examples appended to an intent's ``examples: |`` block.
- ``ProjectIntents``: every NLU file of the project; finds the file that holds an intent and
  creates a new intent (its NLU file entry, its line in ``domain.yml`` and the rule that
  answers it from the knowledge base).
- ``add_article_variants``: question variants added to a knowledge-base article's front
  matter; the article's text below the front matter is left byte for byte.

All edits are round trips through ruamel.yaml: comments, order and block style survive.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.errors import SupportBotError

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_FRONT_MATTER = re.compile(r"\A(---[ \t]*\r?\n)(.*?\r?\n)(---[ \t]*(?:\r?\n|\Z).*)\Z", re.DOTALL)
#: ``[text](entity)``, ``[text]{...}`` and ``[text][...]`` are entity markup in Rasa examples;
#: a masked ``[NAME]`` right before a bracket must not become one.
_MARKUP_AFTER_MASK = re.compile(r"\](?=[({\[])")


class TrainingDataError(SupportBotError):
    pass


def _yaml(*, indented_lists: bool = False) -> YAML:
    """Round-trip YAML in the project's styles: lists flush with their key (data files and
    article front matter) or indented under it (``domain.yml``)."""
    yaml = YAML()
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 4096  # type: ignore[assignment]
    if indented_lists:
        yaml.indent(mapping=2, sequence=4, offset=2)
    else:
        yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def example_line(text: str) -> str:
    """A message as one example line: one line, no accidental entity markup."""
    one_line = " ".join(text.split())
    return _MARKUP_AFTER_MASK.sub("] ", one_line)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


class IntentFile:
    """One Rasa NLU YAML file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> Any:
        if not self.path.is_file():
            data = CommentedMap()
            data["version"] = DoubleQuotedScalarString("3.1")
            data["nlu"] = CommentedSeq()
            return data
        data = _yaml().load(self.path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TrainingDataError(f"{self.path} is not a Rasa NLU file")
        if data.get("nlu") is None:
            data["nlu"] = CommentedSeq()
        return data

    def _save(self, data: Any) -> None:
        buffer = io.StringIO()
        _yaml().dump(data, buffer)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(buffer.getvalue(), encoding="utf-8")

    def examples(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if not self.path.is_file():
            return found
        for entry in self._load()["nlu"]:
            if isinstance(entry, dict) and "intent" in entry:
                found.setdefault(str(entry["intent"]), []).extend(
                    _example_lines(entry.get("examples"))
                )
        return found

    def add(self, intent: str, texts: Iterable[str], *, create: bool = False) -> list[str]:
        """Append ``texts`` to ``intent`` (not already there); returns the lines added."""
        data = self._load()
        entry = next(
            (e for e in data["nlu"] if isinstance(e, dict) and e.get("intent") == intent), None
        )
        if entry is None:
            if not create:
                raise TrainingDataError(f"intent {intent!r} is not in {self.path}")
            entry = CommentedMap()
            entry["intent"] = intent
            entry["examples"] = LiteralScalarString("")
            data["nlu"].append(entry)
        current = _example_lines(entry.get("examples"))
        seen = {_normal(t) for t in current}
        added: list[str] = []
        for text in texts:
            line = example_line(text)
            if line and _normal(line) not in seen:
                seen.add(_normal(line))
                added.append(line)
        if added:  # appended to the block as it is: any other line in it stays
            block = str(entry.get("examples") or "")
            if block and not block.endswith("\n"):
                block += "\n"
            entry["examples"] = LiteralScalarString(
                block + "".join(f"- {line}\n" for line in added)
            )
            self._save(data)
        return added


def _example_lines(block: object) -> list[str]:
    if not isinstance(block, str):
        return []
    return [
        line.strip()[2:].strip()
        for line in block.splitlines()
        if line.strip().startswith("- ") and line.strip()[2:].strip()
    ]


class ProjectIntents:
    """The project's NLU training data (``data/nlu/*.yml``) and what names its intents."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.nlu_dir = home / "data" / "nlu"
        self.domain_file = home / "domain.yml"
        self.rules_file = home / "data" / "rules" / "faq.yml"

    def files(self) -> list[IntentFile]:
        return [IntentFile(p) for p in sorted(self.nlu_dir.glob("*.yml"))]

    def examples(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for file in self.files():
            for intent, lines in file.examples().items():
                found.setdefault(intent, []).extend(lines)
        return found

    def file_of(self, intent: str) -> IntentFile | None:
        return next((f for f in self.files() if intent in f.examples()), None)

    def add_examples(self, intent: str, texts: Iterable[str]) -> tuple[Path, list[str]]:
        file = self.file_of(intent)
        if file is None:
            raise TrainingDataError(
                f"unknown intent {intent!r}",
                hint="pick one of the intents in data/nlu/, or create a new intent",
            )
        return file.path, file.add(intent, texts)

    def create_intent(
        self, intent: str, texts: Iterable[str], *, topic: str
    ) -> tuple[Path, list[str]]:
        """A new shop-question intent, answered from the knowledge base like the others."""
        if not INTENT_NAME.match(intent):
            raise TrainingDataError(
                f"{intent!r} is not a valid intent name",
                hint="lower-case letters, digits and _ (for example ask_gift_wrapping)",
            )
        if not INTENT_NAME.match(topic):
            raise TrainingDataError(f"{topic!r} is not a valid topic file name")
        if intent in self.examples():
            raise TrainingDataError(f"intent {intent!r} already exists", hint="pick it instead")
        path = self.nlu_dir / f"{topic}.yml"
        added = IntentFile(path).add(intent, texts, create=True)
        self._add_to_domain(intent)
        self._add_rule(intent)
        return path, added

    def _add_to_domain(self, intent: str) -> None:
        yaml = _yaml(indented_lists=True)
        domain = yaml.load(self.domain_file.read_text(encoding="utf-8"))
        intents = domain.get("intents")
        if intents is None:
            intents = domain["intents"] = CommentedSeq()
        if intent not in [str(i) for i in intents]:
            intents.append(intent)
            buffer = io.StringIO()
            yaml.dump(domain, buffer)
            self.domain_file.write_text(buffer.getvalue(), encoding="utf-8")

    def _add_rule(self, intent: str) -> None:
        yaml = _yaml()
        rules = yaml.load(self.rules_file.read_text(encoding="utf-8"))
        rule = CommentedMap()
        rule["rule"] = f"answer {intent.replace('_', ' ')} from the knowledge base"
        step_intent = CommentedMap()
        step_intent["intent"] = intent
        step_action = CommentedMap()
        step_action["action"] = "action_answer_from_knowledge_base"
        rule["steps"] = CommentedSeq([step_intent, step_action])
        rules["rules"].append(rule)
        buffer = io.StringIO()
        yaml.dump(rules, buffer)
        self.rules_file.write_text(buffer.getvalue(), encoding="utf-8")


def add_article_variants(path: Path, texts: Iterable[str]) -> list[str]:
    """Add question variants to a knowledge-base article (Markdown with front matter)."""
    content = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(content)
    if match is None:
        raise TrainingDataError(f"{path} has no front matter between '---' lines")
    opening, front, rest = match.groups()
    yaml = _yaml()
    meta = yaml.load(front)
    variants = meta.get("variants")
    if variants is None:
        variants = meta["variants"] = CommentedSeq()
    seen = {_normal(str(v)) for v in variants} | {_normal(str(meta.get("question", "")))}
    added: list[str] = []
    for text in texts:
        line = " ".join(text.split())
        if line and _normal(line) not in seen:
            seen.add(_normal(line))
            variants.append(line)
            added.append(line)
    if added:
        buffer = io.StringIO()
        yaml.dump(meta, buffer)
        path.write_text(opening + buffer.getvalue() + rest, encoding="utf-8")
    return added

"""The labelled messages the sentiment model learns from, and its fixed held-out split.

``data/sentiment/`` holds CSV files, each with a text column and a label column
(negative / neutral / positive). Two layouts are read:

* ``text,label`` — the project's own and any company's labelled messages;
* the Twitter US Airline Sentiment layout (``text,airline_sentiment,...``), as shipped.

Tweets are cleaned the way a chat message looks: @handles and links removed, HTML entities
decoded. One message in five is held out for evaluation, chosen by a hash of its text, so the
split never changes between runs and a repeated text never sits on both sides.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import SentimentDataError
from bot.sentiment.base import LABELS

HELDOUT_PERCENT = 20
_HANDLE = re.compile(r"(?<!\w)@\w+")
_LINK = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str  # file name


def clean(text: str) -> str:
    """A tweet as a chat message: no @handles or links, entities decoded, spaces collapsed."""
    text = html.unescape(text)
    text = _HANDLE.sub(" ", text)
    text = _LINK.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def read_labelled_csv(path: Path) -> list[Example]:
    """Every usable row of one file; a wrong label stops with its line number."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise SentimentDataError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        label_field = next((f for f in ("label", "airline_sentiment") if f in fields), None)
        if "text" not in fields or label_field is None:
            raise SentimentDataError(
                f"{path}: expected columns text,label (found {', '.join(fields) or 'none'})"
            )
        examples = []
        for line, row in enumerate(reader, start=2):
            label = (row.get(label_field) or "").strip().lower()
            if label not in LABELS:
                raise SentimentDataError(
                    f"{path}:{line}: label must be one of {', '.join(LABELS)}, got {label!r}"
                )
            text = clean(row.get("text") or "")
            if text:
                examples.append(Example(text=text, label=label, source=path.name))
    return examples


def load_folder(folder: Path) -> list[Example]:
    """All ``*.csv`` files of ``folder`` (sorted, so the order is stable)."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise SentimentDataError(
            f"no labelled CSV files in {folder}",
            hint="add files with columns text,label (see data/sentiment/SOURCE.md)",
        )
    return [example for file in files for example in read_labelled_csv(file)]


def is_heldout(text: str, salt: str = "") -> bool:
    digest = hashlib.sha1((salt + text.lower()).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


def split(examples: Iterable[Example], salt: str = "") -> tuple[list[Example], list[Example]]:
    """``(train, heldout)``; another ``salt`` draws another fifth (e.g. a validation part)."""
    train: list[Example] = []
    heldout: list[Example] = []
    for example in examples:
        (heldout if is_heldout(example.text, salt) else train).append(example)
    return train, heldout


def write_csv(examples: Sequence[Example], path: Path) -> None:
    """``text,label`` — the layout ``supportbot sentiment eval --data`` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((e.text, e.label) for e in examples)


def fingerprint(folder: Path) -> str:
    """A hash of the labelled files: a change means the model must be retrained."""
    digest = hashlib.sha256()
    for file in sorted(folder.glob("*.csv")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]

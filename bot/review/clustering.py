"""Grouping near-duplicate messages so one label fixes a whole group.

Leader clustering on sentence embeddings (cosine similarity, vectors are normalised): a
message joins the most similar existing group if its leader is at least ``threshold``
similar, else it leads a new group. Messages are handled in blocks: a block is first
matched against the leaders found so far (one FAISS search), then the rest of the block is
grouped among itself (one matrix product), so 100k messages take seconds, not hours.
Existing groups (the inbox's open items) can be passed in as the first leaders, so a new
mining run adds to them instead of reshuffling what a lead is looking at.

A group holds messages of one language (``cluster_by_language``): an Italian question is not
the same question as an English one however near their vectors (the encoder is English), and
a lead reviews each language on its own. A message whose language was not clear joins the
English groups (``GROUPED_WITH_UNCLEAR``): short unclear messages are mostly English ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.language import ENGLISH

Vectors = npt.NDArray[np.float32]

#: Cosine similarity at which two customer messages count as the same question.
SAME_QUESTION = 0.8
BLOCK = 1024
#: The language whose groups take the messages whose language was not clear.
GROUPED_WITH_UNCLEAR = ENGLISH


def cluster(
    vectors: Vectors, *, leaders: Vectors | None = None, threshold: float = SAME_QUESTION
) -> list[int]:
    """The group of each vector: an index into ``leaders`` (given first) then new leaders.

    Returns one group number per row of ``vectors``. Groups ``0 .. len(leaders)-1`` are the
    given leaders; higher numbers are new groups, led by the first vector that formed them.
    """
    import faiss

    dimension = vectors.shape[1] if vectors.size else (0 if leaders is None else leaders.shape[1])
    index = faiss.IndexFlatIP(dimension) if dimension else None
    if index is not None and leaders is not None and len(leaders):
        index.add(np.ascontiguousarray(leaders, dtype=np.float32))
    groups = [-1] * len(vectors)
    for start in range(0, len(vectors), BLOCK):
        block = np.ascontiguousarray(vectors[start : start + BLOCK], dtype=np.float32)
        pending = list(range(len(block)))
        assert index is not None
        if index.ntotal:
            scores, found = index.search(block, 1)
            pending = []
            for i in range(len(block)):
                if scores[i, 0] >= threshold:
                    groups[start + i] = int(found[i, 0])
                else:
                    pending.append(i)
        if not pending:
            continue
        rest = block[pending]
        similarity = rest @ rest.T
        new_leaders: list[int] = []  # positions in ``rest``
        for position in range(len(rest)):
            if new_leaders:
                scores_row = similarity[position, new_leaders]
                best = int(np.argmax(scores_row))
                if scores_row[best] >= threshold:
                    groups[start + pending[position]] = groups[start + pending[new_leaders[best]]]
                    continue
            groups[start + pending[position]] = index.ntotal + len(new_leaders)
            new_leaders.append(position)
        index.add(np.ascontiguousarray(rest[new_leaders]))
    return groups


def cluster_by_language(
    vectors: Vectors,
    languages: Sequence[str | None],
    *,
    leaders: Vectors,
    leader_languages: Sequence[str | None],
    threshold: float = SAME_QUESTION,
) -> list[int]:
    """``cluster``, each message joining only groups of its own language: the given leaders
    are groups ``0 .. len(leaders)-1``, new groups are numbered after them in the order they
    are formed."""
    key = [language or GROUPED_WITH_UNCLEAR for language in languages]
    leader_key = [language or GROUPED_WITH_UNCLEAR for language in leader_languages]
    groups = [-1] * len(vectors)
    next_group = len(leader_key)
    for language in dict.fromkeys(key):
        mine = [i for i, k in enumerate(key) if k == language]
        own = [i for i, k in enumerate(leader_key) if k == language]
        found = cluster(vectors[mine], leaders=leaders[own] if own else None, threshold=threshold)
        new: dict[int, int] = {}
        for position, group in zip(mine, found, strict=True):
            if group < len(own):
                groups[position] = own[group]
            else:
                if group not in new:
                    new[group] = next_group
                    next_group += 1
                groups[position] = new[group]
    return groups

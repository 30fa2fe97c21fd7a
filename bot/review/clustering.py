"""Grouping near-duplicate messages so one label fixes a whole group.

Leader clustering on sentence embeddings (cosine similarity, vectors are normalised): a
message joins the most similar existing group if its leader is at least ``threshold``
similar, else it leads a new group. Messages are handled in blocks: a block is first
matched against the leaders found so far (one FAISS search), then the rest of the block is
grouped among itself (one matrix product), so 100k messages take seconds, not hours.
Existing groups (the inbox's open items) can be passed in as the first leaders, so a new
mining run adds to them instead of reshuffling what a lead is looking at.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

#: Cosine similarity at which two customer messages count as the same question.
SAME_QUESTION = 0.8
BLOCK = 1024


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

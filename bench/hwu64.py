"""HWU64 (Liu et al. 2019, re-split by Zhang et al. 2021; CC BY 4.0), read from ``../shared``.

Assistant queries in 64 intents of 18 domains. The benchmarks hold a seeded quarter of the
domains out as *unknown*: questions of the same kind of assistant that nothing was trained
on, the out-of-scope questions.
"""

from __future__ import annotations

import random

from bench.common import PROJECT

FOLDER = PROJECT.parent / "shared" / "data" / "hwu64"
UNKNOWN_DOMAIN_SHARE = 0.25
SEED = 19


def split(name: str) -> tuple[list[str], list[str]]:
    """Texts and intent labels of ``train``, ``valid`` or ``test``."""
    folder = FOLDER / name
    texts = (folder / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = (folder / "label").read_text(encoding="utf-8").splitlines()
    return [t.strip() for t in texts], [label.strip() for label in labels]


def domain(label: str) -> str:
    return label.split("_")[0]


def unknown_domains() -> set[str]:
    """The seeded quarter of the domains held out as unknown."""
    domains = sorted({domain(label) for label in split("train")[1]})
    return set(random.Random(SEED).sample(domains, round(len(domains) * UNKNOWN_DOMAIN_SHARE)))

"""Wording: how many character sequences two texts share, for languages no encoder here reads.

TF-IDF over character 2-4-grams within words, on lower-cased text without accents (customers
often type "grazinti" for "grąžinti"). It needs no model and knows no language: it matches a
question to the phrasings written in the same language (an article's translation), where
sharing stems and endings means sharing meaning. ``bot.knowledge.crosslingual`` uses it for
questions in languages with translations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.text import folded

GRAMS = (2, 4)


class CharacterGrams:
    """Texts by their character n-grams; cosines of questions with them."""

    def __init__(self, texts: Sequence[str]) -> None:
        # Imported here: importing scikit-learn takes 0.27 s, which every command that
        # reaches this module (``bot.services``, the CLI's help) would otherwise pay.
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=GRAMS, preprocessor=folded, sublinear_tf=True
        )
        self._texts = self._vectorizer.fit_transform(texts)

    def cosines(self, questions: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per question, one column per text (TF-IDF rows are L2-normalised)."""
        found = self._vectorizer.transform(questions) @ self._texts.T
        return np.asarray(found.toarray(), dtype=np.float32)

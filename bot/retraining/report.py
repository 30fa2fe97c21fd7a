"""The retraining report: ``report.json``, ``report.html`` and the candidate's confusion matrix
(``confusion.png``), in one folder per run under ``var/retrain/``."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from bot.retraining.evaluation import Scores


def write_report(folder: Path, result: dict[str, Any], candidate: Scores) -> Path:
    """Write the three files; returns the HTML report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    confusion_image(candidate, folder / "confusion.png")
    page = folder / "report.html"
    page.write_text(_html(result), encoding="utf-8")
    return page


def confusion_image(scores: Scores, path: Path) -> None:
    import matplotlib  # type: ignore[import-untyped]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-untyped]
    import numpy as np

    labels = list(scores.labels)
    matrix = np.array(scores.confusion, dtype=float)
    size = max(6.0, 0.32 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    for (row, column), value in np.ndenumerate(matrix):
        if value:
            colour = "white" if value > matrix.max() / 2 else "black"
            axes.text(column, row, int(value), ha="center", va="center", fontsize=6, color=colour)
    axes.set_title(f"Candidate model on the evaluation set (n={scores.n})")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _html(result: dict[str, Any]) -> str:
    e = html.escape
    verdict = result["verdict"]
    current, candidate = result["current"], result["candidate"]
    status = "PASSED" if verdict["passed"] else "REFUSED"
    rows = "".join(
        f"<tr><td>{e(name)}</td><td>{current[key]:.3f}</td><td>{candidate[key]:.3f}</td>"
        f"<td>{candidate[key] - current[key]:+.3f}</td></tr>"
        for name, key in (("Accuracy", "accuracy"), ("Macro-F1", "macro_f1"))
    )

    def changes(items: list[dict[str, Any]]) -> str:
        if not items:
            return "<p>none</p>"
        body = "".join(
            f"<tr><td>{e(c['intent'])}</td><td>{c['current_f1']:.2f}</td>"
            f"<td>{c['candidate_f1']:.2f}</td><td>{c['delta']:+.2f}</td></tr>"
            for c in items
        )
        return (
            "<table><tr><th>intent</th><th>F1 now</th><th>F1 candidate</th><th>change</th>"
            f"</tr>{body}</table>"
        )

    errors = "".join(
        f"<tr><td>{e(x['text'])}</td><td>{e(x['expected'])}</td><td>{e(x['predicted'])}</td></tr>"
        for x in candidate["errors"]
    )
    reasons = "".join(f"<li>{e(r)}</li>" for r in verdict["reasons"]) or "<li>none</li>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Retraining report: {status}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 70rem; color: #1d2a33; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; }}
td, th {{ border: 1px solid #c9d3da; padding: .25rem .6rem; text-align: left; }}
.passed {{ color: #17663a; }} .refused {{ color: #a3261b; }}
</style></head><body>
<h1 class="{status.lower()}">Candidate model {status}</h1>
<p>Candidate <code>{e(result["candidate_model"])}</code> against the serving model
<code>{e(result["current_model"])}</code>, on the frozen evaluation set
(<code>{e(result["eval_set"])}</code>, {candidate["n"]} messages). Test stories:
{"passed" if result["stories"]["passed"] else "FAILED"}. Promoted: {
        "yes" if result.get("promoted") else "no"
    }.</p>
<h2>Why it was refused</h2><ul>{reasons}</ul>
<h2>Overall</h2>
<table><tr><th></th><th>serving</th><th>candidate</th><th>change</th></tr>{rows}</table>
<h2>What improved</h2>{changes(verdict["improved"])}
<h2>What got worse</h2>{changes(verdict["worse"])}
<h2>Confusion matrix (candidate)</h2>
<img src="confusion.png" alt="Confusion matrix of the candidate model on the evaluation set">
<h2>Messages the candidate gets wrong</h2>
<table><tr><th>message</th><th>expected</th><th>predicted</th></tr>{errors}</table>
</body></html>
"""

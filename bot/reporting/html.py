"""The daily report as one self-contained HTML page: the figures, and charts drawn here as
PNG images inside the page (nothing is loaded from anywhere, no script)."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from bot.language import language_name

#: (field, label, how to show it) for the figures table, in order.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("conversations", "Conversations", "int"),
    ("contained_rate", "Contained (no person needed)", "pct"),
    ("handoff_rate", "Handed to a person", "pct"),
    ("handoffs", "Handoffs requested", "int"),
    ("wait_p50_s", "Wait for an agent, median", "s"),
    ("wait_p90_s", "Wait for an agent, 90th percentile", "s"),
    ("abandoned_rate", "Left while waiting", "pct"),
    ("first_agent_response_p50_s", "First agent reply after joining, median", "s"),
    ("csat_asked", "CSAT: conversations asked", "int"),
    ("csat_responses", "CSAT: answers", "int"),
    ("csat_avg", "CSAT average (1-5)", "num"),
    ("csat_satisfied_rate", "CSAT: satisfied (4-5)", "pct"),
    ("csat_response_rate", "CSAT: share who answered", "pct"),
    ("estimated_satisfaction", "Estimated satisfaction (no survey answer)", "pct"),
    ("complaints", "Complaints", "int"),
    ("complaints_sla_breached", "Complaints past their SLA", "int"),
    ("followups", "Follow-ups opened (unhappy survey answers)", "int"),
    ("sentiment_start_negative", "Negativity of first messages (mean)", "num"),
    ("sentiment_end_negative", "Negativity of last messages (mean)", "num"),
)


def render(report: dict[str, Any], *, company: str) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><th>{e(label)}</th><td>{e(_show(report.get(key), kind))}</td></tr>"
        for key, label, kind in ROWS
    )
    reasons = report.get("handoff_reasons") or {}
    unanswered = "".join(
        f"<tr><td>{e(str(item['text']))}</td><td>{int(item['count'])}</td></tr>"
        for item in report.get("top_unanswered") or []
    )
    stages = report.get("csat_by_stage") or {}
    csat_rows = "".join(
        f"<tr><td>{e(str(name))}</td><td>{int(v['responses'])}</td><td>{v['avg']:.2f}</td></tr>"
        for name, v in [*stages.items(), *(report.get("csat_by_agent") or {}).items()]
    )
    late = "".join(
        f"<tr><td>{e(str(t['reference']))}</td><td>{e(str(t['status']))}</td>"
        f"<td>{'late' if t['first_response_late'] else 'in time'}</td>"
        f"<td>{'late' if t['resolution_late'] else 'in time'}</td></tr>"
        for t in report.get("complaints_late") or []
    )
    weakest = "".join(
        f"<tr><td>{e(str(w['name']))}</td><td>{int(w['failed'])} of {int(w['conversations'])}"
        "</td></tr>"
        for w in report.get("weakest_intents") or []
    )
    articles = "".join(
        f"<tr><td>{e(str(w['name']))}</td><td>{int(w['unhelpful'])} of {int(w['answers'])}"
        "</td></tr>"
        for w in report.get("weakest_articles") or []
    )
    languages = "".join(
        f"<tr><td>{e(language_name(str(name)))}</td><td>{int(v['conversations'])}</td>"
        f"<td>{e(_show(v['contained_rate'], 'pct'))}</td><td>{e(_show(v['handoff_rate'], 'pct'))}"
        f"</td><td>{e(_show(v['csat_avg'], 'num'))}</td></tr>"
        for name, v in (report.get("by_language") or {}).items()
    )
    charts = [
        _chart_img(
            "Conversations by hour",
            list(range(24)),
            report.get("by_hour") or [0] * 24,
            "hour",
        )
    ]
    if reasons:
        charts.append(
            _chart_img("Handoffs by reason", list(reasons), list(reasons.values()), "reason")
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(company)}: support report for {e(str(report["date"]))}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; color: #1d2a33; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; }}
th, td {{ border: 1px solid #c9d3da; padding: .3rem .7rem; text-align: left; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{e(company)}: support report for {e(str(report["date"]))}</h1>
<p>Times are in {e(str(report.get("timezone", "")))}. "not measured" means there is no data for
it, never zero. Definitions: the README, "Daily report".</p>
<table>{rows}</table>
{"".join(charts)}
<h2>By the language customers wrote in</h2>
<table><tr><th>language</th><th>conversations</th><th>the bot alone</th><th>needed a person</th>
<th>satisfaction (average)</th></tr>{languages or NONE5}</table>
<h2>Satisfaction answers by stage and by agent</h2>
<table><tr><th>stage / agent</th><th>answers</th><th>average</th></tr>{csat_rows or NONE3}</table>
<h2>Complaints past a deadline</h2>
<table><tr><th>reference</th><th>status</th><th>first response</th><th>resolution</th></tr>
{late or NONE4}</table>
<h2>Questions the bot did not answer (personal data masked)</h2>
<table><tr><th>question</th><th>times</th></tr>{unanswered or NONE}</table>
<h2>Weakest intents (conversations that failed the customer)</h2>
<table><tr><th>intent</th><th>failed</th></tr>{weakest or NONE}</table>
<h2>Weakest articles (answers that didn't help)</h2>
<table><tr><th>article</th><th>unhelpful</th></tr>{articles or NONE}</table>
</body></html>
"""


NONE = '<tr><td colspan="2">none</td></tr>'
NONE3 = '<tr><td colspan="3">none</td></tr>'
NONE4 = '<tr><td colspan="4">none</td></tr>'
NONE5 = '<tr><td colspan="5">none</td></tr>'


def _show(value: Any, kind: str) -> str:
    if value is None:
        return "not measured"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "s":
        return f"{float(value):.0f} s"
    if kind == "num":
        return f"{float(value):.2f}"
    return str(value)


def _chart_img(title: str, labels: list[Any], values: list[Any], axis: str) -> str:
    import matplotlib  # type: ignore[import-untyped]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-untyped]

    figure, axes = plt.subplots(figsize=(8, 3))
    axes.bar([str(label) for label in labels], values, color="#2f6f4f")
    axes.set_title(title)
    axes.set_xlabel(axis)
    axes.tick_params(axis="x", labelsize=7, rotation=90 if axis == "reason" else 0)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode()
    label = html.escape(title)
    return f'<h2>{label}</h2><img alt="{label}" src="data:image/png;base64,{data}">'

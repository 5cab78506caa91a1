"""Generated blocks of the replication READMEs: verdict tables rendered from claims.json.

A README holds the block between ``<!-- claims-table:begin -->`` and
``<!-- claims-table:end -->``; the build rewrites it from ``figures/<name>/claims.json`` (at
the default scale) so no README quotes a verdict or measured number the last build did not
produce. CI fails when a committed README differs from what its build writes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

BEGIN = "<!-- claims-table:begin -->"
END = "<!-- claims-table:end -->"
_ORIGIN_TITLES = {
    "paper": "Claims of the paper",
    "secondary": "Secondary claims (not verdicts on the paper)",
    "check": "Our own checks (not verdicts on the paper)",
}


class ReadmeError(ValueError):
    """A README without (or with broken) generated-block markers."""


def fmt_value(x: Any, digits: int = 4, max_items: int = 4) -> str:
    """Compact rendering of a measured value: numbers to ``digits`` significant digits."""
    if isinstance(x, bool) or x is None:
        return str(x).lower() if isinstance(x, bool) else "-"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.{digits}g}" if math.isfinite(x) else str(x)
    if isinstance(x, str):
        return x
    if isinstance(x, list):
        shown = ", ".join(fmt_value(v, digits, max_items) for v in x[:max_items])
        more = f", … ({len(x)} cases)" if len(x) > max_items else ""
        return f"[{shown}{more}]"
    if isinstance(x, dict):
        items = list(x.items())
        shown = ", ".join(f"{k}: {fmt_value(v, digits, max_items)}" for k, v in items[:max_items])
        return "{" + shown + (", …" if len(items) > max_items else "") + "}"
    return json.dumps(x)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _margin(c: dict) -> str:
    m = c.get("margin")
    if not isinstance(m, int | float) or isinstance(m, bool):
        return "-"
    return f"{m:+.2g}" + (" (fragile)" if c.get("fragile") else "")


def _control(c: dict) -> str:
    ctrl = c.get("control") or {}
    status = ctrl.get("status", "absent")
    if status in ("fails", "passes", "undecided"):
        word = {"fails": "fails", "passes": "**passes (non-discriminating)**"}.get(
            status, "undecided"
        )
        return f"{word}: {fmt_value(ctrl.get('measured'))}"
    return {"none": "none (reason in ledger)", "pending": "pending", "absent": "-"}[status]


def render_block(claims_json: dict) -> str:
    """The generated block (markers included) for one replication's claims.json."""
    h = claims_json["headline"]
    p = h["paper"]
    lines = [
        BEGIN,
        "<!-- Generated from figures/<name>/claims.json by the build; do not edit by hand. -->",
        "",
        f"Scale `{claims_json['scale']}`. Paper claims: {h['paper_total']} "
        f"({p['confirmed']} confirmed, {p['partial']} partial, {p['refuted']} refuted, "
        f"{p['inconclusive']} inconclusive, {p['non-discriminating']} non-discriminating, "
        f"{p['not checked at this scale']} not checked at this scale); controls that fail: "
        f"{h['paper_controls_failing']}/{h['paper_total']}, pending: "
        f"{h['paper_controls_pending']}. Secondary claims: {h['secondary']['total']}; "
        f"own checks: {h['check']['total']}; superseded: {h['superseded']}; "
        f"fragile verdicts: {h['fragile']}.",
    ]
    live = [c for c in claims_json["claims"] if not c.get("superseded_by")]
    for origin, title in _ORIGIN_TITLES.items():
        sub = [c for c in live if c["origin"] == origin]
        if not sub:
            continue
        lines += [
            "",
            f"**{title}**",
            "",
            "| claim | published | measured | verdict | margin | control |",
            "|---|---|---|---|---|---|",
        ]
        for c in sub:
            pub = c["published"].get("text", fmt_value(c["published"].get("value")))
            lines.append(
                f"| `{c['id']}` | {_cell(str(pub))} | {_cell(fmt_value(c['measured']))} | "
                f"{c['verdict']} | {_margin(c)} | {_cell(_control(c))} |"
            )
    old = [c for c in claims_json["claims"] if c.get("superseded_by")]
    if old:
        lines += [
            "",
            "**Superseded claims** (struck from the headline; see the disclosed list)",
            "",
            "| claim | superseded by | verdict | measured |",
            "|---|---|---|---|",
        ]
        for c in old:
            lines.append(
                f"| ~~`{c['id']}`~~ | `{c['superseded_by']}` | {c['verdict']} | "
                f"{_cell(fmt_value(c['measured']))} |"
            )
    lines.append(END)
    return "\n".join(lines)


def replace_block(readme_text: str, block: str, where: str = "README") -> str:
    """``readme_text`` with its generated block replaced by ``block``."""
    if readme_text.count(BEGIN) != 1 or readme_text.count(END) != 1:
        raise ReadmeError(
            f"{where}: needs exactly one '{BEGIN}' and one '{END}' line (the generated verdict "
            "table goes between them)"
        )
    head, rest = readme_text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + block + tail


def sync_readme(readme: Path, claims_json: dict) -> bool:
    """Rewrite the README's block in place if it differs; return whether it changed."""
    text = readme.read_text()
    new = replace_block(text, render_block(claims_json), str(readme))
    if new == text:
        return False
    tmp = readme.with_name(f".{readme.name}.tmp")
    tmp.write_text(new)
    tmp.replace(readme)
    return True


def _rst(text: str) -> str:
    """Escape reStructuredText markup characters in free text."""
    for ch in "\\`*|_":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def figure_caption(claims_json: dict, stem: str) -> str:
    """reStructuredText caption of figure ``stem``: the claims it supports and their verdicts."""
    rows = [
        c for c in claims_json["claims"] if any(Path(f).stem == stem for f in c.get("figures", []))
    ]
    head = f"**{stem}** ({claims_json['replication']}, scale {claims_json['scale']})."
    if not rows:
        return head + " No claim of the ledger links to this figure.\n"
    lines = [head, "", "Claims this figure supports:", ""]
    for c in rows:
        tag = c["verdict"]
        if c.get("superseded_by"):
            tag += f", superseded by {c['superseded_by']}"
        elif c["origin"] != "paper":
            tag += f", origin {c['origin']}"
        lines.append(f"- ``{c['id']}``: {tag}. {_rst(c['statement'])}")
    return "\n".join(lines) + "\n"

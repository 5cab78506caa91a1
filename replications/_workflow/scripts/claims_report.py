"""Write figures/CLAIMS.md: every claim, verdict, control and margin of every replication.

The headline counts only claims of the papers (origin ``paper``, not superseded); claims from
secondary sources and our own checks are counted in their own columns and listed in their own
tables, so none of them reads as a verdict on a paper. Runtime per replication is the sum of its
jobs' wall seconds from Snakemake benchmark files.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from replications._workflow.figures import read_benchmark_seconds
from replications._workflow.io import read_json, write_text
from replications._workflow.provenance import git_commit
from replications._workflow.validation import REPO_ROOT

ICON = {
    "confirmed": "confirmed",
    "refuted": "**refuted**",
    "partial": "*partial*",
    "inconclusive": "inconclusive",
    "not checked at this scale": "not checked at this scale",
}
CONTROL = {
    "fails": "fails (discriminates)",
    "passes": "**passes: non-discriminating**",
    "undecided": "undecided",
    "none": "none",
    "pending": "*pending*",
    "absent": "",
}
SECTIONS = (
    ("paper", "Claims of the paper"),
    ("secondary", "Secondary claims (seed summary, third parties): not verdicts on the paper"),
    ("check", "Our own checks (correctness, consistency): not verdicts on the paper"),
)


def _cell(x: object, limit: int = 220) -> str:
    text = x if isinstance(x, str) else json.dumps(x, default=str)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _details(details: dict | None) -> str:
    return f"; details: {_cell(details, 200)}" if details else ""


def _source(src: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in src.items())


def fmt_margin(c: dict) -> str:
    """A claim's margin for a table cell, with the fragile flag."""
    m = c.get("margin")
    if m is None or isinstance(m, str):
        return "n/a" if c["verdict"] in ("inconclusive", "not checked at this scale") else "-"
    text = f"{m:+.2g}"
    return f"**{text} fragile**" if c.get("fragile") else text


def fmt_control(c: dict) -> str:
    """A claim's control cell: status, and the control's measured value when there is one."""
    ctrl = c.get("control") or {}
    status = ctrl.get("status", "absent")
    text = CONTROL[status]
    if status in ("fails", "passes", "undecided"):
        text += f": {_cell(ctrl.get('case', ''), 80)} measured {_cell(ctrl.get('measured'), 60)}"
    elif status == "none":
        text += f" ({_cell(ctrl.get('reason', ''), 120)})"
    return text


def _link(path: str, out_dir: Path) -> str:
    p = Path(path)
    target = p if p.is_absolute() else REPO_ROOT / p
    rel = os.path.relpath(target, out_dir.resolve())
    return Path(rel).as_posix()


def runtime_seconds(bench_dir: Path) -> float:
    """Sum of wall seconds over a replication's benchmark files."""
    total = 0.0
    for tsv in sorted(bench_dir.glob("*.tsv")):
        total += read_benchmark_seconds(tsv) or 0.0
    return total


def _fmt_origin_counts(h: dict) -> str:
    if not h["total"]:
        return "0"
    return f"{h['total']} ({h['confirmed']}/{h['partial']}/{h['refuted']}/{h['inconclusive']})"


def fmt_scale_cell(c: dict | None) -> str:
    """The paper-scale cell of a claim: verdict and measured value, or why there is none."""
    if c is None:
        return "not built"
    if c["verdict"] == "not checked at this scale":
        return "not checked"
    return f"{ICON[c['verdict']]}: {_cell(c['measured'], 60)}"


def differs(default: dict | None, paper: dict | None) -> bool:
    """Both scales decided the claim and their verdicts differ."""
    skip = ("not checked at this scale", None)
    return (
        default is not None
        and paper is not None
        and default["verdict"] not in skip
        and paper["verdict"] not in skip
        and default["verdict"] != paper["verdict"]
    )


def claim_rows(claims: list[dict], out_dir: Path, paper: dict | None = None) -> list[str]:
    """Table rows of one section; a ``paper`` map (id -> claim) adds the paper-scale column."""
    extra = " | paper scale" if paper is not None else ""
    lines = [
        "| claim | source | statement | published | measured | verdict | margin | control "
        f"| why | code | figures{extra} |",
        "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if paper is not None else ""),
    ]
    for c in claims:
        figs = " ".join(f"[{Path(f).stem}]({_link(f, out_dir)})" for f in c.get("figures", []))
        code = f"[{Path(c['code']).name}]({_link(c['code'], out_dir)})" if c.get("code") else ""
        published = c["published"].get("text", c["published"].get("value"))
        why = _cell(c["reason"])
        if c.get("tolerance_rationale"):
            why += f" Tolerance: {_cell(c['tolerance_rationale'], 160)}"
        row = (
            f"| `{c['id']}` | {_cell(_source(c['source']))} | {_cell(c['statement'])} | "
            f"{_cell(published)} | {_cell(c['measured'], 120)} | {ICON[c['verdict']]} | "
            f"{fmt_margin(c)} | {fmt_control(c)} | {why}{_details(c.get('details'))} | "
            f"{code} | {figs} |"
        )
        if paper is not None:
            other = paper.get(c["id"])
            flag = " **differs from default**" if differs(c, other) else ""
            row += f" {fmt_scale_cell(other)}{flag} |"
        lines.append(row)
    return lines


KEYS = ("confirmed", "partial", "refuted", "inconclusive", "non-discriminating")


def summary_table(
    reports: dict[str, dict], commits: dict[str, str], bench_root: Path, current: str
) -> list[str]:
    """One row per built replication: headline counts, controls, origins, job time."""
    lines = [
        "| replication | paper | built at | paper claims | confirmed | partial | refuted "
        "| inconclusive | non-discriminating | not checked | controls that fail "
        "| controls pending | secondary | checks | superseded | fragile | job time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    totals: dict[str, int] = {}
    for name, rep in reports.items():
        h = rep["headline"]
        secs = runtime_seconds(bench_root / name)
        counts = [h["paper"][k] for k in KEYS] + [h["paper"]["not checked at this scale"]]
        row = {
            "paper claims": h["paper_total"],
            **dict(zip(KEYS, counts, strict=False)),
            "not checked": counts[-1],
            "controls": h["paper_controls_failing"],
            "pending": h["paper_controls_pending"],
            "secondary": h["secondary"]["total"],
            "check": h["check"]["total"],
            "superseded": h["superseded"],
            "fragile": h["fragile"],
        }
        for k, v in row.items():
            totals[k] = totals.get(k, 0) + v
        commit = commits.get(name, "unknown")
        built = "this build" if commit == current else f"`{commit[:12]}`"
        paper = rep["paper"]
        lines.append(
            f"| [{name}](#{name}) | {_cell(paper['authors'], 60)} ({paper['year']}) | {built} | "
            f"{h['paper_total']} | " + " | ".join(str(c) for c in counts) + " | "
            f"{h['paper_controls_failing']}/{h['paper_total']} | {h['paper_controls_pending']} | "
            f"{_fmt_origin_counts(h['secondary'])} | {_fmt_origin_counts(h['check'])} | "
            f"{h['superseded']} | {h['fragile']} | {secs:.1f} |"
        )
    if totals:
        lines.append(
            f"| **total** | | | {totals['paper claims']} | "
            + " | ".join(str(totals[k]) for k in (*KEYS, "not checked"))
            + f" | {totals['controls']}/{totals['paper claims']} | {totals['pending']} | "
            f"{totals['secondary']} | {totals['check']} | {totals['superseded']} | "
            f"{totals['fragile']} | |"
        )
    return lines


def _load(root: Path, scale_dir: str, name: str) -> tuple[dict | None, str | None]:
    claims = root / scale_dir / name / "claims.json"
    manifest = root / scale_dir / name / "all"
    if not claims.exists():
        return None, None
    commit = read_json(manifest).get("git_commit") if manifest.exists() else None
    return read_json(claims), commit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replications", nargs="+", required=True, help="every known replication")
    ap.add_argument("--figures-root", default="figures")
    ap.add_argument("--results-root", default="results")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    out_dir = Path(args.out).parent
    froot, rroot = Path(args.figures_root), Path(args.results_root)
    current = git_commit()
    scales = {
        "default": ("", rroot / "benchmarks"),
        "paper": ("paper", rroot / "paper" / "benchmarks"),
    }
    reports: dict[str, dict[str, dict]] = {s: {} for s in scales}
    commits: dict[str, dict[str, str]] = {s: {} for s in scales}
    for name in args.replications:
        for scale, (sub, _) in scales.items():
            rep, commit = _load(froot, sub, name)
            if rep is not None:
                reports[scale][name] = rep
                commits[scale][name] = commit or "unknown"
    lines = [
        "# Claims report",
        "",
        "Generated by the workflow (`snakemake figures/all`); do not edit by hand.",
        f"Written by the build at commit `{current}`. A replication built by an earlier build",
        "(a partial build, or a scale not rebuilt) is shown with that build's commit.",
        "",
        "How to read a verdict: see the README section of that name. In short: the headline",
        "counts only claims **of the papers** (origin `paper`, not superseded). Verdicts are",
        "**confirmed**, **partial**, **refuted**, **inconclusive** (undecided by a rule written",
        "before the run: non-finite, diverged, float floor, budget far below the paper's) and",
        "**not checked at this scale**. A confirmation whose control (a case the same check must",
        "fail) passes too is **non-discriminating** and is not counted as confirmed. Margins are",
        "in units of the tolerance; below 0.1 in size a verdict is flagged **fragile**.",
        "Secondary claims (seed summaries, third parties) and our own checks are counted apart",
        "as total (confirmed/partial/refuted/inconclusive).",
        "",
        "## Summary (default scale)",
        "",
    ]
    lines += summary_table(reports["default"], commits["default"], scales["default"][1], current)
    missing = [n for n in args.replications if n not in reports["default"]]
    if missing:
        lines += ["", f"Not built at the default scale yet: {', '.join(missing)}."]
    if reports["paper"]:
        diff_counts = {
            name: sum(
                differs(c, {x["id"]: x for x in reports["paper"][name]["claims"]}.get(c["id"]))
                for c in reports["default"].get(name, {"claims": []})["claims"]
            )
            for name in reports["paper"]
        }
        lines += [
            "",
            "## Summary (paper scale, the published sizes)",
            "",
            "Built only where a user ran `make figures-paper` (or `--config scale=paper`).",
            "Verdicts that differ from the default scale: "
            + ", ".join(f"{n} {k}" for n, k in diff_counts.items())
            + ".",
            "",
        ]
        lines += summary_table(reports["paper"], commits["paper"], scales["paper"][1], current)
    for name in args.replications:
        rep = reports["default"].get(name) or reports["paper"].get(name)
        if rep is None:
            continue
        prep = reports["paper"].get(name)
        paper_map = (
            {c["id"]: c for c in prep["claims"]} if prep and name in reports["default"] else None
        )
        links = []
        for scale, (sub, _) in scales.items():
            if name in reports[scale]:
                target = froot / sub / name / "claims.json"
                links.append(f"[{scale}]({_link(str(target), out_dir)})")
        lines += [
            "",
            f"## {name}",
            "",
            f"{rep['paper']['title']}. Scale `{rep['scale']}` below"
            + (", with the paper scale beside it" if paper_map else "")
            + f". Machine-readable: {', '.join(links)}.",
        ]
        live = [c for c in rep["claims"] if not c.get("superseded_by")]
        for origin, title in SECTIONS:
            sub = [c for c in live if c["origin"] == origin]
            if sub:
                lines += ["", f"### {title}", "", *claim_rows(sub, out_dir, paper_map)]
        old = [c for c in rep["claims"] if c.get("superseded_by")]
        if old:
            lines += [
                "",
                "### Superseded claims (struck from the headline, kept visible)",
                "",
                "| claim | superseded by | why (registered before the new run) | verdict "
                "| measured | reason |",
                "|---|---|---|---|---|---|",
            ]
            new = {c["id"]: c for c in rep["claims"]}
            for c in old:
                reg = new[c["superseded_by"]].get("registered") or {}
                lines.append(
                    f"| ~~`{c['id']}`~~ | `{c['superseded_by']}` | "
                    f"{_cell(reg.get('date', ''))}: {_cell(reg.get('reason', ''))} | "
                    f"{ICON[c['verdict']]} | {_cell(c['measured'], 100)} | {_cell(c['reason'])} |"
                )
        if rep.get("deviations"):
            lines += ["", "Deviations from the paper:", ""]
            lines += [f"- **{d['id']}**: {d['text']}" for d in rep["deviations"]]
    write_text(args.out, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

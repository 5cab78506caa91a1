"""verdicts.py -> claims.json -> CLAIMS.md and README blocks, on a toy ledger."""

import json

import pytest
import yaml

from replications._workflow.readme import (
    BEGIN,
    END,
    ReadmeError,
    render_block,
    replace_block,
    sync_readme,
)
from replications._workflow.scripts import claims_report, verdicts

CTRL = {"case": "the baseline method"}


def _claim(cid, origin="paper", **kw):
    c = {
        "id": cid,
        "origin": origin,
        "source": {"section": "2"},
        "statement": f"statement of {cid}",
        "published": {"value": 1.0},
        "comparison": {"type": "value", "rtol": 0.1},
        "kind": "deterministic",
        "scales": ["default"],
    }
    if origin == "paper":
        c["control"] = CTRL
    c.update(kw)
    return c


@pytest.fixture
def toy(tmp_path):
    folder = tmp_path / "toy"
    folder.mkdir()
    claims = [
        _claim("good"),  # confirmed, control fails
        _claim("blind"),  # confirmed, control passes too
        _claim("nan"),  # non-finite: inconclusive
        _claim("miss"),  # refuted
        _claim("seed-advice", origin="secondary"),
        _claim("identity", origin="check"),
        _claim(
            "miss-v2",
            supersedes="miss",
            registered={"date": "2026-12-05", "reason": "the first design measured a floor"},
        ),
    ]
    ledger = {
        "replication": "toy",
        "paper": {"title": "Toy", "authors": "A", "year": 2026},
        "claims": claims,
    }
    (folder / "claims.yaml").write_text(yaml.safe_dump(ledger))
    meas = {
        "script": "replications/toy/scripts/measure.py",
        "claims": {
            "good": {"value": 1.02, "control": {"value": 3.0}},
            "blind": {"value": 1.0, "control": {"value": 1.05}},
            "nan": {"value": "nan", "control": {"value": 3.0}},
            "miss": {"value": 2.0, "control": {"value": 3.0}},
            "seed-advice": {"value": 1.0},
            "identity": {"value": 1.0},
            "miss-v2": {"value": 1.01, "control": {"value": 3.0}},
        },
    }
    (folder / "measurements.json").write_text(json.dumps(meas))
    out = tmp_path / "figures" / "toy" / "claims.json"
    assert (
        verdicts.main(
            [
                "--ledger",
                str(folder / "claims.yaml"),
                "--measurements",
                str(folder / "measurements.json"),
                "--scale",
                "default",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return tmp_path, out


def test_claims_json_is_strict_and_carries_what_a_reader_needs(toy):
    _, out = toy
    text = out.read_text()
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict token {c}"))
    rows = {c["id"]: c for c in data["claims"]}
    assert rows["nan"]["verdict"] == "inconclusive" and rows["nan"]["measured"] == "nan"
    assert rows["good"]["control"]["status"] == "fails"
    assert rows["blind"]["counted_as"] == "non-discriminating"
    assert rows["miss"]["superseded_by"] == "miss-v2" and rows["miss"]["counted_as"] == "superseded"
    assert rows["good"]["code"] == "replications/toy/scripts/measure.py"
    assert rows["good"]["margin"] == pytest.approx(0.8)
    for key in ("origin", "tolerance_rationale", "control_spec", "seeds_used", "registered"):
        assert key in rows["good"]


def test_headline_counts_paper_claims_only(toy):
    _, out = toy
    h = json.loads(out.read_text())["headline"]
    # good + miss-v2 confirmed; blind is non-discriminating; miss is superseded.
    assert h["paper"]["confirmed"] == 2
    assert h["paper"]["non-discriminating"] == 1
    assert h["paper"]["inconclusive"] == 1
    assert h["paper"]["refuted"] == 0
    assert h["paper_total"] == 4
    assert h["superseded"] == 1
    assert h["secondary"]["total"] == 1 and h["check"]["total"] == 1
    assert h["paper_controls_failing"] == 3


def test_claims_report_separates_origins_and_strikes_superseded(toy, tmp_path):
    root, _out = toy
    report = root / "figures" / "CLAIMS.md"
    args = ["--replications", "toy", "--figures-root", str(root / "figures")]
    args += ["--results-root", str(root / "results"), "--out", str(report)]
    assert claims_report.main(args) == 0
    text = report.read_text()
    summary = next(line for line in text.splitlines() if line.startswith("| [toy]"))
    # paper claims 4: confirmed 2, partial 0, refuted 0, inconclusive 1, non-discriminating 1
    # built at: no manifest, so the commit is unknown; then the headline counts.
    assert "| `unknown` | 4 | 2 | 0 | 0 | 1 | 1 | 0 | 3/4 |" in summary
    assert "### Secondary claims" in text and "### Our own checks" in text
    assert "~~`miss`~~ | `miss-v2`" in text and "the first design measured a floor" in text
    assert "non-discriminating" in text
    assert "measure.py" in text


def test_readme_block_is_generated_and_rewritten(toy, tmp_path):
    _, out = toy
    data = json.loads(out.read_text())
    block = render_block(data)
    assert block.startswith(BEGIN) and block.endswith(END)
    assert "`blind`" in block and "passes (non-discriminating)" in block
    readme = tmp_path / "README.md"
    readme.write_text(f"# Toy\n\nprose\n\n{BEGIN}\nold table typed by hand\n{END}\n\nmore\n")
    assert sync_readme(readme, data) is True
    assert "old table" not in readme.read_text() and "more" in readme.read_text()
    assert sync_readme(readme, data) is False  # idempotent
    with pytest.raises(ReadmeError, match="exactly one"):
        replace_block("no markers", block)

"""The paper scale of the cheapest replication, end to end (slow): it builds beside the default
scale without touching its outputs, and CLAIMS.md shows both scales for every claim."""

from __future__ import annotations

import json

import pytest

from tests.test_faults import NAME, _copy_repo, outputs, smk

pytestmark = pytest.mark.slow


def test_paper_scale_builds_beside_the_default(tmp_path):
    root = tmp_path / "repo"
    _copy_repo(root)
    rc, log = smk(root, "figures/all")
    assert rc == 0, log[-3000:]
    default = {k: v for k, v in outputs(root).items() if "/paper/" not in k}

    rc, log = smk(root, "figures/all", "--config", "scale=paper")
    assert rc == 0, log[-3000:]
    assert "[plan] scale paper" in log
    # The paper scale wrote under figures/paper and results/paper only.
    after = outputs(root)
    assert {k: after.get(k) for k in default} == default
    assert f"figures/paper/{NAME}/all" in after
    paper_claims = json.loads((root / f"figures/paper/{NAME}/claims.json").read_text())
    assert paper_claims["scale"] == "paper"
    report = (root / "figures" / "CLAIMS.md").read_text()
    assert "## Summary (default scale)" in report
    assert "## Summary (paper scale, the published sizes)" in report
    assert "| paper scale |" in report  # the per-claim column beside the default verdicts

"""Scaffold a new replication that builds and passes its tests at once.

Usage: ``make new-replication NAME=<name>`` (or ``python -m replications._workflow.new_replication
<name>``). Writes ``replications/<name>/`` with a README (the required sections), a ledger with
one live claim and a commented example of every comparison type, params with their schema and
declared costs, a short rules.smk built on the helpers, compute / measure / plot scripts, a
pure-math module and its test. The live claim is a worked example (Hutchinson's trace estimator
with a control that must fail); replace it with the paper's claims.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from pathlib import Path

from replications._workflow.validation import REPO_ROOT

NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
#: Names that would clash with folders of results/ and figures/.
RESERVED = {"paper", "logs", "benchmarks", "all", "shared"}

FILES: dict[str, str] = {}

FILES["__init__.py"] = '"""{name}: replication (see README.md)."""\n'

FILES["README.md"] = """# {name}: <paper title>

<One paragraph: the paper (authors, year, venue, arXiv id), what it claims about curvature, and
what this replication re-derives.>

## Scope

<What is replicated (sections, figures, tables), at which sizes (default scale: fits 2 CPU
cores; paper scale: the published sizes), and what is not.>

## Claims and verdicts

<!-- claims-table:begin -->
<!-- claims-table:end -->

<Why each verdict is what it is, by claim id. Quote no measured number here: the table above is
generated from figures/{name}/claims.json by the build.>

## Deviations

- **D1**: <every deviation from the paper, same ids as claims.yaml>

## Disclosed

<Every change after a first run: superseded claims and their replacements, reclassified origins,
new controls, fixed bugs, with reasons.>

## Runtime

<Job time of the default build (figures/CLAIMS.md lists it) and of the paper scale, per rule
(resources.yaml holds the declared costs).>

## Paper scale

`snakemake figures/{name}/all --config scale=paper` (outputs under figures/paper/{name}/).

## Not yet replicated

<What remains, and why.>
"""

FILES[
    "claims.yaml"
] = """# Claims ledger of {name} (schema: config/claims.schema.json). Every tolerance, control and
# inconclusive rule is fixed before the first run; a claim that turns out badly posed is
# superseded (supersedes: + registered:), never edited.
replication: {name}
paper:
  title: "<paper title>"
  authors: "<authors>"
  year: 2026
  # venue: "<venue>"
  # arxiv: "<id>"

deviations:
  - id: D1
    text: >-
      Worked example of the scaffold: Hutchinson's trace estimator on a test matrix.
      Replace it (and this deviation) with the paper's claims.

claims:
  # A live claim: the scaffold's worked example. Its control (the same check applied to an
  # estimate of tr(2A)) must fail, or the check proves nothing.
  - id: hutchinson-unbiased
    origin: check          # paper | secondary | check (see README "How to read a verdict")
    source: {{section: "scaffold example"}}
    statement: >-
      Hutchinson's estimator is unbiased: over the seeds, the mean estimate of tr(A) is within 4
      standard errors of the exact trace (z-score in [-4, 4]).
    published: {{text: "unbiased (E z^T A z = tr A)"}}
    comparison: {{type: interval, low: -4.0, high: 4.0}}
    tolerance_rationale: "4 standard errors: a false alarm has probability below 1e-4."
    control: {{case: "the same z-score of estimates of tr(2A) against tr(A): must fail"}}
    kind: stochastic
    seeds: [0, 1, 2, 3, 4, 5, 6, 7]
    scales: [default, paper]
    deviations: [D1]
    figures: [figures/{name}/estimates.png]

  # One example per comparison type (remove the leading '# ' to use one):
  #
  # - id: value-example                       # |measured - published| <= atol + rtol |published|
  #   origin: paper
  #   source: {{section: "4.2", equation: "(17)"}}
  #   statement: "The method converges after 420 iterations."
  #   published: {{value: 420, text: "420 iterations"}}
  #   comparison: {{type: value, atol: 0, partial: {{atol: 2}}}}
  #   tolerance_rationale: "Integer count printed by the code: exact; +-2 partial band."
  #   control: {{case: "the baseline method's count"}}
  #   kind: deterministic
  #   scales: [default, paper]
  #
  # - id: interval-example                    # low <= measured <= high (slope_range: the same)
  #   comparison: {{type: slope_range, low: 1.9, high: 2.1}}
  #
  # - id: inequality-example                  # measured value <op> measured rhs (or a bound)
  #   comparison: {{type: inequality, op: "<", bound: 0.5}}
  #   inconclusive_if: {{floor_reached: {{below: 1.0e-14}}}}   # undecided at the float floor
  #
  # - id: ordering-example                    # value = {{name: number}}, strictly ordered
  #   comparison: {{type: ordering, order: [m1, m2, m3], direction: decreasing}}
  #
  # - id: boolean-example                     # measured true / false
  #   comparison: {{type: boolean, expected: true}}
  #   inconclusive_if: {{diverged: true, diverged_rule: "loss above 1e6 x its initial value"}}
"""

FILES[
    "params.yaml"
] = """# Parameters of {name}. default: fits 2 CPU cores (your share of the default build: a few
# minutes); paper: overrides only what differs at the published sizes. Checked against
# params.schema.yaml at both scales before any job runs.
default:
  n: 200                 # size of the diagonal test matrix
  num_probes: 50         # Hutchinson probes per estimate
  seeds: [0, 1, 2, 3, 4, 5, 6, 7]
paper:
  n: 2000
  num_probes: 200
"""

FILES[
    "params.schema.yaml"
] = """# The contract of params.yaml (JSON schema), checked at both scales before any job runs.
$schema: https://json-schema.org/draft/2020-12/schema
type: object
additionalProperties: false
required: [n, num_probes, seeds]
properties:
  n: {{type: integer, minimum: 2}}
  num_probes: {{type: integer, minimum: 2}}
  seeds:
    type: array
    minItems: 2
    uniqueItems: true
    items: {{type: integer, minimum: 0}}
"""

FILES[
    "resources.yaml"
] = """# Declared cost per rule and scale: runtime (minutes of one core), mem_mb (peak MB).
# Scaffold estimates: refresh after the first builds with
# `python -m replications._workflow.resources {name} --scale default` (and --scale paper).
{name}_estimates:
  default: {{runtime: 1, mem_mb: 400, source: scaffold estimate}}
  paper: {{runtime: 1, mem_mb: 400, source: scaffold estimate}}
{name}_measure:
  default: {{runtime: 1, mem_mb: 200, source: scaffold estimate}}
  paper: {{runtime: 1, mem_mb: 200, source: scaffold estimate}}
{name}_plot_estimates:
  default: {{runtime: 1, mem_mb: 300, source: scaffold estimate}}
  paper: {{runtime: 1, mem_mb: 300, source: scaffold estimate}}
"""

FILES[
    "rules.smk"
] = """# {name}: one compute step, the measurements, one figure (helpers: replications/_workflow/
# helpers.smk). Each input / output key k is passed to the script as --k.

register_replication("{name}", figures=["estimates"])

compute("{name}", "estimates", outputs={{"out_npz": "estimates.npz", "out_json": "estimates.json"}})

measure("{name}", inputs={{"estimates": res("{name}", "estimates.json")}})

plot(
    "{name}",
    "estimates",
    inputs={{"npz": res("{name}", "estimates.npz"), "json": res("{name}", "estimates.json")}},
    compute_benchmark="estimates",
)
"""

FILES[
    "model.py"
] = '''"""The paper-specific mathematics of {name}: pure functions, explicit randomness.

Cite the paper's section and equation for every default in the docstrings.
"""

from __future__ import annotations

import numpy as np

from shared.linalg import hutchinson_trace


def spectrum_matrix(n: int, seed: int = 0) -> np.ndarray:
    """``Q diag(1, ..., n) Q^T`` with a seeded random orthogonal ``Q`` (trace ``n (n + 1) / 2``).

    Not diagonal: Rademacher probes estimate the trace of a diagonal matrix exactly.
    """
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return (q * np.arange(1.0, n + 1.0)) @ q.T


def z_score(A: np.ndarray, target: float, num_probes: int, seed: int) -> tuple[float, float]:
    """(estimate, (estimate - target) / stderr) of Hutchinson's estimate of ``tr(A)``.

    Parameters
    ----------
    A : ndarray
        Symmetric matrix.
    target : float
        The value the estimate is compared with.
    num_probes : int
        Rademacher probes.
    seed : int
        Seed of the probes.
    """
    est = hutchinson_trace(A, num_probes, seed=seed)
    return est.value, (est.value - target) / est.stderr
'''

FILES[
    "scripts/compute_estimates.py"
] = '''"""Compute Hutchinson estimates of tr(A) and of tr(2A) per seed (the control)."""

from __future__ import annotations

import numpy as np

from replications._workflow.cli import compute_parser, params_of
from replications._workflow.io import write_json, write_npz
from replications._workflow.runtime import pin_threads
from replications.{name}.model import spectrum_matrix, z_score


def main() -> None:
    args = compute_parser(__doc__).parse_args()
    pin_threads()
    p = params_of(args)
    A = spectrum_matrix(p["n"])
    exact = float(np.trace(A))
    rows = [z_score(A, exact, p["num_probes"], s) for s in p["seeds"]]
    ctrl = [z_score(2 * A, exact, p["num_probes"], s) for s in p["seeds"]]
    write_npz(args.out_npz, {{"estimates": [r[0] for r in rows], "control": [r[0] for r in ctrl]}})
    z, z_control = [r[1] for r in rows], [r[1] for r in ctrl]
    write_json(args.out_json, {{"exact": exact, "seeds": p["seeds"], "z": z, "z_control": z_control}})


if __name__ == "__main__":
    main()
'''

FILES[
    "scripts/measure_claims.py"
] = '''"""Turn the computed numbers into one measurement per claim (measurements.json)."""

from __future__ import annotations

import argparse

import numpy as np

from replications._workflow.io import read_json, write_measurements


def pooled_z(z: list[float]) -> float:
    """z-score of the mean of independent estimates (each z-score ~ N(0, 1) if unbiased)."""
    return float(np.sum(z) / np.sqrt(len(z)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--estimates", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    e = read_json(args.estimates)
    claims = {{
        "hutchinson-unbiased": {{
            "value": pooled_z(e["z"]),
            "control": {{"value": pooled_z(e["z_control"])}},
            "seeds": e["seeds"],
        }}
    }}
    write_measurements(args.out, claims)


if __name__ == "__main__":
    main()
'''

FILES[
    "scripts/plot_estimates.py"
] = '''"""Plot the estimates per seed against the exact trace (reads numbers only)."""

from __future__ import annotations

from replications._workflow.cli import plot_parser
from replications._workflow.figures import house_style, plt, save_figure
from replications._workflow.io import read_json, read_npz


def main() -> None:
    args = plot_parser(__doc__).parse_args()
    a, meta = read_npz(args.npz), read_json(args.json)
    with house_style():
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        ax.plot(meta["seeds"], a["estimates"], "o", label="estimate of tr(A)")
        ax.plot(meta["seeds"], a["control"], "x", label="control: estimate of tr(2A)")
        ax.axhline(meta["exact"], color="k", lw=1, label="exact tr(A)")
        ax.set_xlabel("seed")
        ax.legend()
        save_figure(
            fig,
            args.out,
            replication="{name}",
            config_hash=args.config_hash,
            seed=None,
            sources=[args.npz, args.json],
            compute_benchmark=args.compute_benchmark,
        )


if __name__ == "__main__":
    main()
'''

FILES[
    "tests/test_model.py"
] = '''"""Tests of {name}'s paper-specific code (quick; mark slow ones @pytest.mark.slow)."""

import numpy as np
import pytest

from replications.{name}.model import spectrum_matrix, z_score


def test_spectrum_matrix_has_the_stated_trace():
    assert np.trace(spectrum_matrix(10)) == pytest.approx(55.0)


def test_z_score_is_large_for_a_wrong_target():
    A = spectrum_matrix(50)
    _, z_right = z_score(A, float(np.trace(A)), 40, seed=0)
    _, z_wrong = z_score(A, 2 * float(np.trace(A)), 40, seed=0)
    assert abs(z_right) < 5 < abs(z_wrong)
'''


def check_name(name: str, root: Path = REPO_ROOT) -> None:
    """Raise ValueError naming the problem when ``name`` cannot be a new replication."""
    if not NAME.match(name):
        raise ValueError(
            f"NAME={name!r} is not allowed: use 2-40 lower-case letters, digits and underscores, "
            "starting with a letter (e.g. NAME=hutchinson_probe)"
        )
    if keyword.iskeyword(name) or name in RESERVED:
        raise ValueError(f"NAME={name!r} is reserved; choose another name")
    if (root / "replications" / name).exists():
        raise ValueError(
            f"replications/{name}/ already exists; choose another NAME or remove the folder"
        )


def scaffold(name: str, root: Path = REPO_ROOT) -> list[Path]:
    """Write the files of a new replication; return their paths."""
    check_name(name, root)
    folder = root / "replications" / name
    written = []
    for rel, template in FILES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(name=name))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("name")
    args = ap.parse_args(argv)
    try:
        files = scaffold(args.name)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote replications/{args.name}/ ({len(files)} files). Next:")
    print(f"  snakemake figures/{args.name}/all    # builds it (about a minute)")
    print("  make test                          # its tests and the conformance suite")
    print(
        "Then replace the worked example with the paper's claims (README 'Adding a replication')."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

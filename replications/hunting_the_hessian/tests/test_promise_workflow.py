"""Part 1's workflow contract: one compute script per experiment, device, params schema."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from replications._workflow.deps import code_inputs, reads_device, uses_accelerator
from replications._workflow.validation import (
    REPO_ROOT,
    ConfigError,
    load_params,
    load_yaml,
    validate,
)

HERE = Path(__file__).resolve().parents[1]
SCRIPTS = HERE / "scripts"


def _measured_experiments() -> list[str]:
    """The EXPERIMENTS tuple of scripts/promise_measure.py (one --<exp> input each)."""
    tree = ast.parse((SCRIPTS / "promise_measure.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXPERIMENTS":
            return list(ast.literal_eval(node.value))
    raise AssertionError("scripts/promise_measure.py has no EXPERIMENTS")


def test_one_compute_script_per_measured_experiment():
    scripts = sorted(
        p.stem.removeprefix("promise_compute_") for p in SCRIPTS.glob("promise_compute_*.py")
    )
    assert scripts == sorted(_measured_experiments())


def _imports_torch(script: Path) -> bool:
    """Whether the script's own code or a project module it imports imports torch / jax.

    ``replications/_workflow/runtime.py`` is left out: it imports torch lazily inside
    ``pin_threads`` / ``resolve_device`` (which the helpers' ``uses_accelerator`` counts, so
    every part-1 compute rule gets the device param; see the README's runtime section).
    """
    for rel in code_inputs(script):
        if rel.endswith("_workflow/runtime.py"):
            continue
        for node in ast.walk(ast.parse((REPO_ROOT / rel).read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            if any(n.split(".")[0] in ("torch", "jax") for n in names):
                return True
    return False


def test_only_the_pinn_step_imports_torch_and_it_reads_the_device():
    for exp in _measured_experiments():
        script = SCRIPTS / f"promise_compute_{exp}.py"
        assert _imports_torch(script) == (exp == "pinn"), exp
        # The helpers' view agrees: only a module-level torch / jax import makes a step
        # accelerated (the build machinery's own lazy import does not count).
        assert uses_accelerator(script) == (exp == "pinn"), exp
    assert reads_device(SCRIPTS / "promise_compute_pinn.py")
    for name in ("promise_measure.py", "promise_plot.py"):
        assert not uses_accelerator(SCRIPTS / name)


@pytest.mark.parametrize("scale", ["default", "paper"])
def test_params_validate_at_both_scales(scale):
    schema = load_yaml(HERE / "params_promise.schema.yaml")
    validate(load_params(HERE / "params_promise.yaml", scale), schema, "params")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("suite", "decays"), [-1.0]),
        (("pinn", "nncg", "alpha"), 1.0),
        (("pinn", "nncg", "beta"), 0.0),
        (("rf", "adaptive", "target_condition"), 1.0),
        (("precond", "preconditioners"), ["nyssn", "cholesky"]),
        (("precond", "sensitivity", "update_epochs"), [0, None]),
        (("suite", "grids", "ridge", "svrg"), [1.0e-3]),
        (("nystrom", "classes"), [{"kind": "gauss", "param": 1.0}]),
        (("rate", "seeds"), [-1]),
    ],
)
def test_schema_rejects_values_outside_their_range(path, value):
    schema = load_yaml(HERE / "params_promise.schema.yaml")
    params = copy.deepcopy(load_params(HERE / "params_promise.yaml", "default"))
    node = params
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError):
        validate(params, schema, "params")


def test_schema_accepts_the_edge_values_the_code_allows():
    schema = load_yaml(HERE / "params_promise.schema.yaml")
    params = copy.deepcopy(load_params(HERE / "params_promise.yaml", "default"))
    params["suite"]["decays"] = [0.0, 1.0]  # alpha = 0: flat spectrum
    params["rate"]["noise"] = 0.0
    params["streaming"]["control_preconditioner"] = None  # no control run
    validate(params, schema, "params")

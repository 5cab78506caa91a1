"""The contract of params.yaml (part 2): both scales validate, and the reviewed ranges reject
values the code cannot use."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from replications._workflow.validation import REPO_ROOT, load_params, load_yaml

PARAMS = REPO_ROOT / "replications" / "hunting_the_hessian" / "params.yaml"
SCHEMA = load_yaml(PARAMS.with_name("params.schema.yaml"))


def _check(params: dict) -> None:
    jsonschema.validate(params, SCHEMA, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("scale", ["default", "paper"])
def test_both_scales_validate(scale):
    _check(load_params(PARAMS, scale))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("protocol", "hb_beta"), [0.5, 1.0]),  # heavy-ball momentum must be in [0, 1)
        (("protocol", "adam_lr"), [1e-3, "2/L"]),  # only "1/L" stands for a step
        (("protocol", "max_evals"), 0),
        (("instances", "sklearn", "digits"), [10]),  # digits has classes 0-9
        (("instances", "versions"), ["raw", "normalized"]),
        (("instances", "synthetic"), [{"kind": "illcond", "m": 10, "noise": 0.5}]),  # no d
        (("superlinear", "log10_kappa"), -1.0),
        (("stability", "loss"), "hinge"),
        (("stability", "divergent", "blowup"), "large"),
        (("stochastic", "seeds"), [-1]),
    ],
)
def test_schema_rejects_out_of_range_values(path, value):
    params = copy.deepcopy(load_params(PARAMS, "default"))
    node = params["osgm"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        _check(params)


def test_blowup_accepts_a_number_or_its_yaml_1_1_string():
    # YAML 1.1 reads 1.0e10 (no exponent sign) as a string; the script applies float().
    params = copy.deepcopy(load_params(PARAMS, "default"))
    for value in (1.0e10, "1.0e10", "1e+10"):
        params["osgm"]["stability"]["divergent"]["blowup"] = value
        _check(params)

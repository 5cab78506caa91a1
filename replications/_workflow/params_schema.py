"""Draft a params schema from a params file (types, ranges, required and unknown keys).

The draft is a starting point written beside the params file (``params.schema.yaml``) and then
read and tightened by hand: ranges are inferred from the values at both scales (a count that is
at least 1 must stay at least 1, a positive real must stay positive, a seed is a non-negative
integer), every key of the default block is required and unknown keys are rejected.

Usage: python -m replications._workflow.params_schema replications/<name>/params.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from replications._workflow.validation import SCALES, load_params, params_schema_path


def _merge(a: dict | None, b: dict) -> dict:
    if a is None:
        return b
    if a.get("type") != b.get("type"):
        types = set()
        for sch in (a, b):
            types |= {sch["type"]} if isinstance(sch["type"], str) else set(sch["type"])
        if types == {"integer", "number"}:
            out = dict(b, type="number")
        else:
            return {"type": sorted(types)}
    else:
        out = dict(a)
    for bound in ("minimum", "exclusiveMinimum"):
        if bound in a and bound in b:
            out[bound] = min(a[bound], b[bound])
        else:
            out.pop(bound, None)
    if "minimum" not in out and "exclusiveMinimum" not in out:
        if ("minimum" in a and "exclusiveMinimum" in b) or (
            "exclusiveMinimum" in a and "minimum" in b
        ):
            out["minimum"] = 0
    if a.get("type") == "object" and b.get("type") == "object":
        props = dict(a.get("properties", {}))
        for k, v in b.get("properties", {}).items():
            props[k] = _merge(props.get(k), v)
        out["properties"] = props
        out["required"] = sorted(set(a.get("required", [])) & set(b.get("required", [])))
    if a.get("type") == "array" and b.get("type") == "array":
        if "items" in a and "items" in b:
            out["items"] = _merge(a["items"], b["items"])
        else:
            out["items"] = a.get("items", b.get("items"))
            if out["items"] is None:
                out.pop("items")
        if not (a.get("minItems") and b.get("minItems")):
            out.pop("minItems", None)
    return out


def infer(value: Any, key: str = "") -> dict:
    """JSON schema of one value (see the module docstring for the rules)."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        if "seed" in key or value == 0:
            return {"type": "integer", "minimum": 0}
        return {"type": "integer", "minimum": 1} if value >= 1 else {"type": "integer"}
    if isinstance(value, float):
        if value > 0:
            return {"type": "number", "exclusiveMinimum": 0}
        return {"type": "number", "minimum": 0} if value == 0 else {"type": "number"}
    if isinstance(value, str):
        return {"type": "string", "minLength": 1}
    if value is None:
        return {"type": "null"}
    if isinstance(value, list):
        out: dict = {"type": "array"}
        item = None
        for v in value:
            item = _merge(item, infer(v, key))
        if item is not None:
            out["items"] = item
            out["minItems"] = 1
        return out
    if isinstance(value, dict):
        return {
            "type": "object",
            "additionalProperties": False,
            "required": sorted(value),
            "properties": {k: infer(v, k) for k, v in value.items()},
        }
    raise TypeError(f"cannot infer a schema for {type(value).__name__} at {key!r}")


def draft(params_path: str | Path) -> dict:
    """Draft schema covering the resolved params at both scales."""
    schema = None
    for scale in SCALES:
        schema = _merge(schema, infer(load_params(params_path, scale)))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Parameters of {Path(params_path).parent.name} ({Path(params_path).name}), "
        "checked at both scales before any job runs",
        **schema,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("params", nargs="+")
    ap.add_argument("--force", action="store_true", help="overwrite an existing schema")
    args = ap.parse_args(argv)
    for p in args.params:
        out = params_schema_path(p)
        if out.exists() and not args.force:
            print(f"{out} exists; pass --force to overwrite", file=sys.stderr)
            return 1
        text = "# Draft inferred from the params by replications._workflow.params_schema;\n"
        text += "# tighten ranges by hand (this file is the contract of params.yaml).\n"
        text += yaml.safe_dump(draft(p), sort_keys=False, width=100)
        out.write_text(text)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

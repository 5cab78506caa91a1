"""Validation of the build config, replication parameters and claims ledgers, with clear errors.

Every error names the offending key (as a dotted path), the bad value and what is allowed, so a
typo fails before any job runs instead of deep inside a script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_SCHEMA = REPO_ROOT / "config" / "config.schema.json"
CLAIMS_SCHEMA = REPO_ROOT / "config" / "claims.schema.json"
SCALES = ("default", "paper")


class ConfigError(ValueError):
    """Invalid configuration, parameters or ledger."""


def _where(path: Iterable[Any], root: str) -> str:
    parts = [root]
    for p in path:
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts)


def _explain(error: jsonschema.ValidationError, root: str) -> str:
    """Turn one jsonschema error into a sentence naming key, value and what is allowed."""
    where = _where(error.absolute_path, root)
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return f"{where}: unknown key(s) {extra}; allowed keys are {allowed}"
    if v == "enum":
        allowed = error.validator_value
        return f"{where} = {error.instance!r} is not allowed; allowed values are {allowed}"
    if v == "const":
        return f"{where} = {error.instance!r} is not allowed; expected {error.validator_value!r}"
    if v == "type":
        hint = ""
        if isinstance(error.instance, str):
            try:
                float(error.instance)
                hint = (
                    f" (YAML reads {error.instance} as a string: write it with a dot and a "
                    "signed exponent, e.g. 1.0e-6)"
                )
            except ValueError:
                pass
        return (
            f"{where} = {error.instance!r} has type {type(error.instance).__name__}; "
            f"expected {error.validator_value}{hint}"
        )
    if v == "required":
        return f"{where}: {error.message}"
    if v in ("minimum", "maximum", "minItems", "minLength", "pattern", "uniqueItems"):
        return f"{where} = {error.instance!r}: {error.message}"
    if v in ("oneOf", "anyOf") and error.context:
        # Alternatives are told apart by a discriminator key ("type": const/enum). Report the
        # problem inside the alternative whose discriminator matched, not the whole list.
        branches: dict[int, list[jsonschema.ValidationError]] = {}
        for e in error.context:
            branches.setdefault(e.schema_path[0], []).append(e)

        def discriminator_failed(errs: list[jsonschema.ValidationError]) -> bool:
            return any(
                e.validator in ("const", "enum") and list(e.relative_path)[-1:] == ["type"]
                for e in errs
            )

        matched = [errs for errs in branches.values() if not discriminator_failed(errs)]
        if matched:
            best = max(matched[0], key=lambda e: len(e.absolute_path))
            return _explain(best, root)
        allowed: list = []
        for e in error.context:
            if list(e.relative_path)[-1:] == ["type"]:
                vals = [e.validator_value] if e.validator == "const" else e.validator_value
                allowed.extend(vals)
        got = error.instance.get("type") if isinstance(error.instance, dict) else error.instance
        return f"{where}.type = {got!r} is not allowed; allowed values are {allowed}"
    return f"{where}: {error.message}"


def validate(instance: Any, schema: Mapping, root: str) -> None:
    """Validate ``instance`` against ``schema``; raise :class:`ConfigError` listing all problems."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
    if errors:
        lines = "\n  - ".join(_explain(e, root) for e in errors)
        raise ConfigError(f"invalid {root}:\n  - {lines}")


def validate_config(config: Mapping, available: Iterable[str]) -> dict:
    """Validate the build config (``config/config.yaml`` plus ``--config`` overrides).

    Parameters
    ----------
    config : Mapping
        The merged configuration.
    available : iterable of str
        Names of the replication folders found on disk.

    Returns
    -------
    dict
        A plain-dict copy of the validated config.
    """
    schema = json.loads(CONFIG_SCHEMA.read_text())
    validate(dict(config), schema, "config")
    available = sorted(available)
    unknown = [r for r in config["replications"] if r not in available]
    if unknown:
        raise ConfigError(
            f"invalid config:\n  - config.replications: unknown replication(s) {unknown}; "
            f"available are {available}"
        )
    return json.loads(json.dumps(dict(config)))


def check_yaml_syntax(path: str | Path) -> None:
    """Raise :class:`ConfigError` with the file, line and column of a YAML syntax error."""
    path = Path(path)
    try:
        yaml.safe_load(path.read_text())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML syntax error: {exc}") from None


def load_yaml(path: str | Path) -> Any:
    """Read a YAML (or, by suffix, JSON) file, naming the file in any parse error."""
    path = Path(path)
    if path.suffix == ".json":
        # PyYAML reads JSON's 1e-06 as a string (YAML 1.1 floats need a dot): parse as JSON.
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    check_yaml_syntax(path)
    return yaml.safe_load(path.read_text())


PARAMS_FILE = re.compile(r"^params(_[a-z0-9_]+)?\.yaml$")


def params_files(folder: str | Path) -> list[Path]:
    """A replication's params files: ``params.yaml`` and part files ``params_<part>.yaml``."""
    return sorted(p for p in Path(folder).glob("params*.yaml") if PARAMS_FILE.match(p.name))


def params_schema_path(params_path: str | Path) -> Path:
    """The JSON schema (in YAML) of a params file: ``params.yaml`` -> ``params.schema.yaml``."""
    p = Path(params_path)
    return p.with_name(p.stem + ".schema.yaml")


def display_path(path: str | Path) -> str:
    """``path`` relative to the repository when it lies inside it (for messages)."""
    p = Path(path)
    try:
        return p.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def validate_params(params_path: str | Path) -> dict[str, dict]:
    """Resolve a params file at both scales and check each against its schema.

    Returns
    -------
    dict
        ``{scale: resolved params}``.

    Raises
    ------
    ConfigError
        Naming the file, the scale, the key (dotted path), the bad value and what is allowed;
        or that the schema file is missing.
    """
    params_path = Path(params_path)
    schema_path = params_schema_path(params_path)
    if not schema_path.exists():
        raise ConfigError(
            f"{display_path(params_path)}: no schema {schema_path.name} beside it; every params "
            "file has one (types, ranges, required keys; see README 'Adding a replication')"
        )
    schema = load_yaml(schema_path)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"{schema_path}: not a valid JSON schema: {exc.message}") from None
    out = {}
    for scale in SCALES:
        resolved = load_params(params_path, scale)
        try:
            validate(resolved, schema, "params")
        except ConfigError as exc:
            raise ConfigError(
                f"{display_path(params_path)} (scale {scale}, schema {schema_path.name}): "
                f"{str(exc).split(':', 1)[1].strip()}"
            ) from None
        out[scale] = resolved
    return out


def ledger_files(path: str | Path) -> list[Path]:
    """A ledger's files: ``claims.yaml`` and, beside it, any part ledgers ``claims_<part>.yaml``.

    A replication built in separable parts keeps one ledger file per part, so the parts never
    edit the same lines; the parts are merged into one ledger.
    """
    path = Path(path)
    parts = sorted(path.parent.glob("claims_*.yaml")) if path.name == "claims.yaml" else []
    return [path, *parts]


def load_ledger(path: str | Path) -> dict:
    """Read and validate a replication's ledger (``claims.yaml`` plus its part files).

    Every file is checked against the JSON schema; the merged ledger (paper metadata from
    ``claims.yaml``, claims and deviations of all parts) must have unique claim and deviation
    ids, and every deviation a claim links to must be defined.
    """
    path = Path(path)
    schema = json.loads(CLAIMS_SCHEMA.read_text())
    ledger = load_yaml(path)
    validate(ledger, schema, str(path))
    for part_path in ledger_files(path)[1:]:
        part = load_yaml(part_path)
        validate(part, schema, str(part_path))
        if part["replication"] != ledger["replication"]:
            raise ConfigError(
                f"{part_path}: replication = {part['replication']!r} but {path.name} says "
                f"{ledger['replication']!r}"
            )
        ledger["claims"] = ledger["claims"] + part["claims"]
        ledger["deviations"] = ledger.get("deviations", []) + part.get("deviations", [])
    dev_ids = [d["id"] for d in ledger.get("deviations", [])]
    dupe_devs = sorted({i for i in dev_ids if dev_ids.count(i) > 1})
    if dupe_devs:
        raise ConfigError(f"{path}: duplicate deviation ids {dupe_devs} (across part files)")
    ids = [c["id"] for c in ledger["claims"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{path}: duplicate claim ids {dupes}")
    defined = {d["id"] for d in ledger.get("deviations", [])}
    for claim in ledger["claims"]:
        missing = sorted(set(claim.get("deviations", [])) - defined)
        if missing:
            raise ConfigError(
                f"{path}: claim {claim['id']!r} links to undefined deviation(s) {missing}; "
                f"defined are {sorted(defined)}"
            )
    _check_claims(ledger["claims"], path)
    if ledger["replication"] != path.parent.name:
        raise ConfigError(
            f"{path}: replication = {ledger['replication']!r} "
            f"but the folder is {path.parent.name!r}"
        )
    return ledger


def _check_claims(claims: list[dict], path: Path) -> None:
    """Cross-field rules the JSON schema cannot express, each naming file, claim and key."""
    ids = {c["id"] for c in claims}
    superseded: dict[str, str] = {}
    for c in claims:
        cid, rule = c["id"], c["comparison"]
        where = f"{path}: claim {cid!r}"
        if rule["type"] == "value":
            pub = c["published"].get("value")
            if isinstance(pub, bool) or not isinstance(pub, int | float):
                raise ConfigError(
                    f"{where}: published.value = {pub!r}; a 'value' comparison needs a numeric "
                    "published.value (or use another comparison type)"
                )
        if rule["type"] in ("interval", "slope_range") and "low" in rule and "high" in rule:
            if rule["low"] > rule["high"]:
                raise ConfigError(
                    f"{where}: comparison.low = {rule['low']} > comparison.high = "
                    f"{rule['high']}; need low <= high"
                )
        old = c.get("supersedes")
        if old is not None:
            if old == cid or old not in ids:
                raise ConfigError(
                    f"{where}: supersedes = {old!r} is not another claim of this ledger"
                )
            if old in superseded:
                raise ConfigError(
                    f"{where}: supersedes = {old!r}, which {superseded[old]!r} already supersedes"
                )
            superseded[old] = cid
        if c.get("kind") == "stochastic" and len(set(c.get("seeds", []))) != len(
            c.get("seeds", [])
        ):
            raise ConfigError(f"{where}: seeds {c['seeds']} has duplicates")


def seeds_in_params(params: Any) -> set[int]:
    """Every seed a resolved params block names.

    Integers under a key containing ``seed`` count (``seed: 3``, ``mc_seed: 1``, ``seeds: [0,
    1]``); an integer under a key ``seeds`` or ``n_seeds`` is a count and names ``range(n)``.
    """
    found: set[int] = set()

    def walk(x: Any, key: str = "") -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, str(k))
        elif isinstance(x, list):
            for v in x:
                walk(v, key)
        elif isinstance(x, int) and not isinstance(x, bool) and "seed" in key:
            if key in ("seeds", "n_seeds"):
                found.update(range(x))
            if key != "n_seeds":
                found.add(x)

    walk(params)
    return found


def check_claim_seeds(ledger: Mapping, params_by_scale: Mapping[str, Any], path: str) -> None:
    """Every seed a claim names must be a seed its replication's params use (at some scale).

    Parameters
    ----------
    ledger : Mapping
        The merged ledger (:func:`load_ledger`).
    params_by_scale : Mapping
        ``{scale: [resolved params block, ...]}`` over every params file of the replication.
    path : str
        The ledger's path, for the message.
    """
    for c in ledger["claims"]:
        seeds = c.get("seeds") or []
        for scale in c.get("scales", []):
            known: set[int] = set()
            for block in params_by_scale.get(scale, []):
                known |= seeds_in_params(block)
            missing = sorted(set(seeds) - known)
            if missing:
                raise ConfigError(
                    f"{path}: claim {c['id']!r}: seeds {missing} are not used by the "
                    f"replication's params at scale {scale!r} (seeds found there: "
                    f"{sorted(known)[:20]}); fix the claim's seeds or the params"
                )


def check_claim_figures(ledger: Mapping, registered: Iterable[str], path: str) -> None:
    """Every figure a claim links to must be one its replication registers (and builds)."""
    registered = set(registered)
    for c in ledger["claims"]:
        missing = [f for f in c.get("figures", []) if f not in registered]
        if missing:
            raise ConfigError(
                f"{path}: claim {c['id']!r}: figures {missing} are not registered by the "
                f"replication's rules (register_replication(figures=...)); registered are "
                f"{sorted(registered)}"
            )


def load_params(path: str | Path, scale: str) -> dict:
    """Read the parameters of one scale from a replication's ``params.yaml``.

    ``params.yaml`` has a ``default`` block and a ``paper`` block; the ``paper`` block may
    override only some keys (the rest are inherited from ``default``, one level deep).
    """
    path = Path(path)
    if scale not in SCALES:
        raise ConfigError(f"scale = {scale!r} is not allowed; allowed values are {list(SCALES)}")
    params = load_yaml(path)
    if not isinstance(params, dict) or "default" not in params:
        raise ConfigError(f"{path}: needs a top-level 'default' block (and optionally 'paper')")
    extra = sorted(set(params) - {*SCALES, "resolved_scale"})
    if extra:
        raise ConfigError(f"{path}: unknown top-level key(s) {extra}; allowed are {list(SCALES)}")
    merged = json.loads(json.dumps(params["default"]))
    if scale == "paper":
        for key, value in (params.get("paper") or {}).items():
            if key not in merged:
                raise ConfigError(
                    f"{path}: paper.{key} is not a key of the default block; "
                    f"allowed keys are {sorted(merged)}"
                )
            if isinstance(value, dict) and isinstance(merged[key], dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged

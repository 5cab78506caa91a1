"""Code inputs and the device contract derived from a script's imports."""

from replications._workflow.deps import code_inputs, reads_device, uses_accelerator


def _write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def test_code_inputs_follow_project_imports_transitively(tmp_path):
    _write(tmp_path, "shared/__init__.py", "")
    _write(tmp_path, "shared/a.py", "import numpy\nfrom shared import b\n")
    _write(tmp_path, "shared/b.py", "")
    _write(tmp_path, "replications/__init__.py", "")
    _write(tmp_path, "replications/x/__init__.py", "")
    _write(tmp_path, "replications/x/model.py", "from shared.a import f\n")
    _write(tmp_path, "replications/x/scripts/run.py", "from replications.x import model\n")
    assert code_inputs("replications/x/scripts/run.py", tmp_path) == [
        "replications/__init__.py",
        "replications/x/__init__.py",
        "replications/x/model.py",
        "replications/x/scripts/run.py",
        "shared/__init__.py",
        "shared/a.py",
        "shared/b.py",
    ]


def test_accelerated_steps_and_device_reads(tmp_path):
    _write(tmp_path, "shared/__init__.py", "")
    _write(tmp_path, "shared/lazy.py", "def f():\n    import torch\n")
    _write(tmp_path, "shared/eager.py", "import jax\n")
    _write(tmp_path, "replications/__init__.py", "")
    _write(tmp_path, "replications/x/__init__.py", "")
    _write(tmp_path, "replications/x/own.py", "def g():\n    import torch\n")
    _write(tmp_path, "replications/x/s1.py", "import shared.lazy\n")
    _write(tmp_path, "replications/x/s2.py", "import shared.eager\nconfigured_device()\n")
    _write(tmp_path, "replications/x/s3.py", "import replications.x.own\n")
    # A shared module's lazy import is an optional path; a module-level one is not; a
    # replication's own code importing torch anywhere uses it.
    assert not uses_accelerator("replications/x/s1.py", tmp_path)
    assert uses_accelerator("replications/x/s2.py", tmp_path)
    assert uses_accelerator("replications/x/s3.py", tmp_path)
    assert reads_device("replications/x/s2.py", tmp_path)
    assert not reads_device("replications/x/s3.py", tmp_path)

"""Issue 17: what students receive holds no hidden test or solution, and works on its own.

``python -m grader student-bundle`` is built once (a wheel: slow tier); every file
of the folder and the zip, and every file inside the wheel, is scanned for the
hidden tests and the solution code of ``source/``; the wheel is installed with
``--no-deps`` into a fresh venv (its numpy, matplotlib and torch are this
environment's, never resolved from an index) and runs a visible check from a
temporary folder.
"""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.grading import bundle

from .course_data import CATALOGS, COURSE

MIN_SOLUTION_LINE = 24      # shorter solution lines ("else:", "raise ValueError(") are not telling


def _relative_imports(name: str) -> set[str]:
    """Modules of the ``grader`` package that module ``name`` imports (anywhere in it)."""
    path = bundle.module_file(name)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "grader"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            elif (node.module or "").split(".")[0] == "grader":
                module = node.module
            else:
                continue
            found.add(module)
            for alias in node.names:       # `from . import references` imports a module
                candidate = f"{module}.{alias.name}"
                if Path(bundle.module_file(module)).parent.joinpath(f"{alias.name}.py").exists() \
                        or Path(bundle.module_file(module)).parent.joinpath(alias.name, "__init__.py").exists():
                    found.add(candidate)
    return found


def test_the_kernel_modules_are_closed_under_their_imports():
    listed = set(bundle.KERNEL_MODULES)
    imported = set().union(*(_relative_imports(name) for name in listed))
    assert imported - listed == set()
    assert not {name for name in listed if name.startswith(("grader.grading", "grader.authoring"))}
    assert {"grader.checks.layer_checks", "grader.checks.tasks.backprop"} <= listed
    assert "grader.grading.sandbox" in _relative_imports("grader.grading.executor")   # the walk sees imports


def test_a_release_that_still_holds_a_solution_is_refused(tmp_path):
    notebook = tmp_path / "release" / "01-x" / "x.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text('{"cells": [{"source": "### BEGIN SOLUTION\\nx = 1"}]}', encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="BEGIN SOLUTION"):
        bundle.build(tmp_path, tmp_path / "out")


# --- the bundle itself (slow: builds a wheel) ---------------------------------------------------

def _secrets() -> tuple[list[str], list[str]]:
    """(lines with hidden=True, telling solution lines) of every source notebook."""
    hidden, solution, public = set(), set(), []
    for path in sorted((COURSE / "source").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            hidden |= {line.strip() for line in cell.source.splitlines() if "hidden=True" in line}
            blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
            solution |= {line.strip() for block in blocks for line in block.splitlines()}
            public.append(re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", "", cell.source, flags=re.S))
    public_text = "\n".join(public)
    telling = {line for line in solution if len(line) >= MIN_SOLUTION_LINE and line not in public_text}
    return sorted(hidden), sorted(telling)


def _files(path: Path, data: bytes | None = None):
    """(name, bytes) of a file and, for a zip or wheel, of every member, recursively."""
    data = path.read_bytes() if data is None else data
    yield str(path), data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from _files(Path(f"{path}!{member}"), archive.read(member))


def _leaks(root: Path) -> list[str]:
    hidden, solution = _secrets()
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for name, data in _files(path):
            text = data.decode("utf-8", "replace")
            for secret in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", *hidden, *solution):
                if secret in text:
                    found.append(f"{name}: {secret}")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    result = subprocess.run([sys.executable, "-m", "grader", "--course", str(COURSE), "student-bundle",
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return out / bundle.FOLDER, out / f"{bundle.FOLDER}.zip"


@pytest.mark.slow
def test_the_bundle_holds_release_notebooks_wheel_requirements_and_guide(built):
    folder, archive = built
    release = {p.relative_to(COURSE / "release").as_posix() for p in (COURSE / "release").glob("*/*.ipynb")}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    wheels = [f for f in files if f.endswith(".whl")]
    assert len(wheels) == 1 and files == release | {*wheels, "requisitos.txt", "nbgrader_config.py", "LEEME.md"}
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(zipped.namelist()) == sorted(f"{bundle.FOLDER}/{f}" for f in files)
    requirements = (folder / "requisitos.txt").read_text(encoding="utf-8").splitlines()
    assert requirements[0] == f"--extra-index-url {bundle.TORCH_CPU_INDEX}"
    assert "torch==2.13.0" in requirements and all(
        any(r.startswith(f"{name}==") for r in requirements) for name in ("numpy", "matplotlib", "nbgrader", "jupyterlab"))
    guide = (folder / "LEEME.md").read_text(encoding="utf-8")
    assert "pip install -r requisitos.txt grader-*.whl" in guide and "pip install -e" not in guide
    with zipfile.ZipFile(folder / wheels[0]) as wheel:
        modules = {m for m in wheel.namelist() if m.endswith(".py")}
    expected = {bundle.module_file(n).relative_to(Path(bundle.grader_root())).as_posix() for n in bundle.KERNEL_MODULES}
    assert modules == expected


@pytest.mark.slow
def test_the_bundle_holds_no_source_solution_catalog_or_hidden_test(built):
    folder, archive = built
    private = {p.read_bytes() for base in (COURSE / "source", COURSE / "solutions", CATALOGS)
               for p in base.rglob("*") if p.is_file()}
    for path in [archive, *folder.rglob("*")]:
        if path.is_file():
            for name, data in _files(path):
                assert data not in private, name                          # no source, solution or catalog file
                assert not name.endswith(".toml") and "solutions" not in name and "source" not in name, name
    hidden, solution = _secrets()
    assert len(hidden) > 50 and len(solution) > 50                        # the scan looks for something
    assert _leaks(COURSE / "source" / "05-activaciones") and _leaks(COURSE / "solutions" / "05-activaciones")
    assert _leaks(folder.parent) == []


@pytest.mark.slow
def test_the_wheel_alone_runs_a_visible_check_in_a_fresh_venv(built, tmp_path):
    folder, _ = built
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # numpy, matplotlib and torch of this environment (a venv made from a venv only sees the base
    # interpreter's packages): a plain path line, so this environment's own .pth files (its editable
    # grader) are not run.
    (site / "course-environment.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    wheel = next(folder.glob("grader-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, text=True)
    release = nbformat.read(folder / "05-activaciones" / "sigmoide.ipynb", as_version=4)
    visible = next(c.source for c in release.cells
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_sigmoid_forward")
    script = (
        "import importlib.util, numpy as np, grader\n"
        "print(grader.__file__)\n"
        "def present(name):\n"
        "    try:\n"
        "        return importlib.util.find_spec(name) is not None\n"
        "    except ModuleNotFoundError:   # its parent package is absent\n"
        "        return False\n"
        "print([m for m in ('grader.grading', 'grader.grading.scoring', 'grader.authoring', 'grader.cli') if present(m)])\n"
        "class Sigmoid:\n"
        "    def forward(self, x):\n"
        "        return 0.5 * (1.0 + np.tanh(0.5 * x))\n"
        f"{visible.splitlines()[0]}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    result = subprocess.run([str(python), "-c", script], cwd=work, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    where, instructor_modules, verdict = result.stdout.splitlines()[:3]
    assert Path(where).is_relative_to(venv), where
    assert instructor_modules == "[]"
    assert verdict.startswith("Correcto: Sigmoid.forward coincide con"), result.stdout

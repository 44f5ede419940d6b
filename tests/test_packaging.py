"""A wheel built from the repository deploys: every subpackage and the template, outside the source tree.

A JupyterHub image or a grading host installs the package non-editable; an
editable checkout hides a missing subpackage (``grader/tasks`` once was). The
wheel goes into a fresh virtual environment whose dependencies come from the
pinned ``.venv`` (a path entry, added only after the install, so pip never
resolves anything from an index, torch least of all), and runs there with
``python -I`` from a folder far from the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .course_data import COURSE

pytestmark = pytest.mark.slow   # builds a wheel and a virtual environment

# Runs inside the fresh environment: one layer check, one task check, the feedback template.
SMOKE = r'''
import sys
from pathlib import Path
import numpy as np
import grader
assert Path(grader.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), grader.__file__

class Sigmoid:
    def forward(self, x):
        self.out = np.exp(-np.logaddexp(0, -x))
        return self.out
    def backward(self, g):
        return g * self.out * (1 - self.out)

grader.check_forward(Sigmoid, "sigmoid")
grader.check_task(lambda a, b: ((a[:, None] - b[None]) ** 2).sum(-1), "pairwise_sq_dists", sizes=[(4, 7, 3)])

import nbformat
from nbconvert import HTMLExporter
from grader.grading.preprocessors import FEEDBACK_TEMPLATE, FEEDBACK_TEMPLATE_DIR
assert Path(FEEDBACK_TEMPLATE_DIR).resolve().is_relative_to(Path(sys.prefix).resolve())
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Capa")])
html, _ = HTMLExporter(template_name=FEEDBACK_TEMPLATE, extra_template_basedirs=[str(FEEDBACK_TEMPLATE_DIR)]) \
    .from_notebook_node(nb, resources={"nbgrader": {"notebook": "capa", "assignment": "00", "score": 1.0,
                                                    "max_score": 2.0, "late_penalty": 0}})
assert '<html lang="es">' in html, html[:300]
print("SMOKE OK")
'''


def _run(*args, **kwargs):
    proc = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of what a clone has (no build/ or egg-info left in the checkout)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy2(COURSE / "pyproject.toml", src / "pyproject.toml")
    shutil.copytree(COURSE / "grader", src / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src))
    (built,) = out.glob("grader-*.whl")
    return built


def test_the_wheel_ships_every_subpackage_and_the_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(COURSE).as_posix() for p in (COURSE / "grader").rglob("__init__.py")}
    assert {"grader/checks/tasks", "grader/grading", "grader/authoring"} <= packages
    for package in packages:
        assert f"{package}/__init__.py" in names, f"{package} is not in the wheel"
    for path in (COURSE / "grader").rglob("*.py"):
        assert path.relative_to(COURSE).as_posix() in names, path
    for path in (COURSE / "grader" / "grading" / "templates").rglob("*"):
        if path.is_file():
            assert path.relative_to(COURSE).as_posix() in names, path


def test_a_non_editable_install_checks_from_outside_the_source_tree(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(env_dir))
    python = env_dir / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel))
    # Dependencies: the pinned .venv's site-packages as a plain path entry (its editable grader is
    # behind a .pth finder that a path entry does not run), after the environment's own.
    site = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    (site / "zz-pinned-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    away = tmp_path / "elsewhere"
    away.mkdir()
    # nbconvert's base templates are data files of the pinned environment (share/jupyter), not modules.
    env = {"PATH": "/usr/bin:/bin", "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    proc = _run(str(python), "-I", "-c", SMOKE, cwd=away, env=env)
    assert "SMOKE OK" in proc.stdout
    assert proc.stdout.count("Correcto") == 2, proc.stdout

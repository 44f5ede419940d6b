"""What students receive: release notebooks, a wheel of the kernel part of ``grader``, pins and the guide.

This repository holds ``source/`` and ``solutions/`` (every hidden test and
reference answer), so it must never be what a student installs. The bundle
holds only what a student's kernel needs: the release notebooks, a wheel built
from a generated project that contains only ``KERNEL_MODULES`` (the checks and
what they import — no sandbox, pipeline, scoring or LMS code), the pinned
requirements, a small nbgrader configuration for *Validate*, and the Spanish
guide (``docs/estudiantes.md``). ``python -m grader student-bundle``
writes it as a folder and as a zip.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

# The modules a student's kernel imports: the package's face and its kernel side, ``grader.checks``
# (which imports nothing of the instructor's side: tests/test_layout.py). The wheel is built from it.
def _kernel_modules() -> tuple:
    import pkgutil
    import grader.checks
    found = ["grader", "grader.checks"]
    for info in pkgutil.walk_packages(grader.checks.__path__, "grader.checks."):
        found.append(info.name)
    return tuple(found)


KERNEL_MODULES = _kernel_modules()
# What a student installs beside the wheel (pins taken from pyproject.toml); the wheel needs the first three.
WHEEL_REQUIREMENTS = ("numpy", "matplotlib", "torch")
STUDENT_REQUIREMENTS = (*WHEEL_REQUIREMENTS, "nbgrader", "jupyterlab")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
FOLDER = "curso"                   # the folder a student unzips
GUIDE = "LEEME.md"
REQUIREMENTS = "requisitos.txt"
# nbgrader's marks that must never reach a student (release/ is generated without them).
FORBIDDEN_MARKS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION")
STUDENT_NBGRADER_CONFIG = """c = get_config()  # noqa: F821
c.Validator.width = 300
"""


class BundleError(ValueError):
    """The bundle cannot be built safely (English, for the instructor)."""


def module_file(name: str) -> Path:
    """The source file of a kernel module (a package's ``__init__.py``)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        raise BundleError(f"kernel module {name} not found")
    return Path(spec.origin)


def _project(course: Path) -> dict:
    return tomllib.loads((course / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def pins(course: Path, names) -> list[str]:
    """``name==version`` for each name, as pinned in the course's pyproject.toml."""
    pinned = {re.split(r"[=<>!~ ;\[]", dep, maxsplit=1)[0].lower(): dep for dep in _project(course)["dependencies"]}
    missing = [n for n in names if n not in pinned or "==" not in pinned[n]]
    if missing:
        raise BundleError(f"pyproject.toml pins no exact version of {', '.join(missing)}")
    return [pinned[n] for n in names]


def build_wheel(course: Path, out: Path) -> Path:
    """A wheel of ``KERNEL_MODULES`` only, built offline from a generated project with setuptools."""
    project = _project(course)
    root = Path(grader_root())
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as scratch:
        scratch = Path(scratch)
        packages = set()
        for name in KERNEL_MODULES:
            source = module_file(name)
            relative = source.relative_to(root)
            (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, scratch / relative)
            packages.add(".".join(relative.parent.parts))
        (scratch / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "grader"\nversion = "{project["version"]}"\n'
            'description = "The checks that the course notebooks call (kernel part only)."\n'
            f'requires-python = "{project.get("requires-python", ">=3.11")}"\n'
            f"dependencies = {json.dumps(pins(course, WHEEL_REQUIREMENTS))}\n\n"
            f"[tool.setuptools]\npackages = {json.dumps(sorted(packages))}\n", encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                        "--no-build-isolation", "--wheel-dir", str(out), str(scratch)],
                       check=True, capture_output=True, text=True)
    wheels = sorted(out.glob("grader-*.whl"))
    if len(wheels) != 1:
        raise BundleError(f"expected one wheel in {out}, found {len(wheels)}")
    return wheels[0]


def grader_root() -> str:
    """The folder that holds the ``grader`` package (module paths are relative to it)."""
    return str(module_file("grader").parent.parent)


STUDENT_GUIDE = Path("docs") / "estudiantes.md"


def guide(course: Path) -> str:
    """The students' guide (docs/estudiantes.md), without the screenshot (it may show an answer)."""
    text = (course / STUDENT_GUIDE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("![")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _release_files(course: Path):
    for path in sorted((course / "release").rglob("*")):
        relative = path.relative_to(course / "release")
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in relative.parts):
            yield path, relative


def _refuse_marks(path: Path, data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for mark in FORBIDDEN_MARKS:
        if mark in text:
            raise BundleError(f"{path} contains {mark!r}: regenerate release/ (python -m grader release)")


def build(course: Path, out: Path) -> tuple[Path, Path]:
    """Write ``out/curso/`` and ``out/curso.zip``; return both paths."""
    folder, archive = out / FOLDER, out / f"{FOLDER}.zip"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path, relative in _release_files(course):
        data = path.read_bytes()
        _refuse_marks(path, data)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    build_wheel(course, folder)
    (folder / REQUIREMENTS).write_text(
        f"--extra-index-url {TORCH_CPU_INDEX}\n" + "\n".join(pins(course, STUDENT_REQUIREMENTS)) + "\n",
        encoding="utf-8")
    (folder / "nbgrader_config.py").write_text(STUDENT_NBGRADER_CONFIG, encoding="utf-8")
    (folder / GUIDE).write_text(guide(course), encoding="utf-8")
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, Path(FOLDER) / path.relative_to(folder))
    return folder, archive

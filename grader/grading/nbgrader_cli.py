"""Run nbgrader's own command line on a course directory.

The pipeline calls the real ``nbgrader`` (configured by the course's
``nbgrader_config.py``) in a subprocess, so what the course does is exactly
what an instructor typing the command would get.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log."""


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # `nbgrader db` runs `alembic` as a program: the venv's bin must be on PATH.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    # Figures must render inline in executed notebooks, whatever the caller's backend is.
    env.pop("MPLBACKEND", None)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return proc

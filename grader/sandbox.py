"""The box a grading kernel runs in: bubblewrap namespaces, an unprivileged uid, resource limits.

Inside, the kernel sees only the system's read-only ``/usr`` and ``/etc``, the
Python environment (read-only, with the numerical packages the notebook does
not allow hidden — PyTorch, SciPy, SymPy, mpmath by default, ``grader.libraries``:
the exercises ask for NumPy, and PyTorch is what answers are compared with), the trusted ``grader``
package, an empty ``/tmp`` and its own run folder — never the course, the
gradebook, solutions or other students' work. It has no network (a new network
namespace with only loopback), its own pid namespace (everything in it dies
with the kernel), and runs as a uid of its own so that ``RLIMIT_NPROC`` applies
(root ignores it) and concurrent kernels cannot reach each other's processes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader.libraries import masked_for, stub_source

HIDDEN_PACKAGES = masked_for(None)
UID_BASE, UID_SLOTS = 61000, 64


class SandboxUnavailable(RuntimeError):
    """bubblewrap or setpriv is missing or cannot create namespaces here (English, for instructors)."""


@dataclass(frozen=True)
class Limits:
    """Per-kernel limits; the defaults leave honest notebooks far from every one of them."""
    memory_bytes: int = 3 * 2**30        # address space (numpy + ipykernel use ~1 GB of it)
    processes: int = 64                  # threads count too: ipykernel needs ~10
    file_bytes: int = 16 * 2**20         # largest file the kernel may write
    open_files: int = 256
    cell_seconds: float = 30.0           # one cell; then interrupt, then kill
    notebook_seconds: float = 180.0      # the whole notebook
    output_bytes: int = 256 * 1024       # captured output per cell; beyond it the kernel is stopped


@dataclass(frozen=True)
class Sandbox:
    python: Path = field(default_factory=lambda: Path(sys.executable))
    hidden_packages: tuple = HIDDEN_PACKAGES

    def argv(self, run: Path, uid: int, limits: Limits, kernel_argv: list[str]) -> list[str]:
        venv, base = Path(sys.prefix), Path(os.path.realpath(sys.base_prefix))
        package_parent = Path(grader.__file__).resolve().parent.parent
        args = ["bwrap", "--die-with-parent", "--new-session",
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for name in ("bin", "lib", "lib64", "sbin"):
            target = os.readlink(f"/{name}") if os.path.islink(f"/{name}") else None
            if target:
                args += ["--symlink", target, f"/{name}"]
            elif os.path.isdir(f"/{name}"):
                args += ["--ro-bind", f"/{name}", f"/{name}"]
        for path in dict.fromkeys([base, venv]):
            args += _mkdirs(path) + ["--ro-bind", str(path), str(path)]
        for site in (venv / "lib").glob("python3*/site-packages"):
            for name in self.hidden_packages:
                if (site / name).is_dir():
                    args += ["--tmpfs", str(site / name)]
        stub = run / ".grader-lib"
        args += _mkdirs(run) + ["--bind", str(run), str(run)]
        args += _mkdirs(Path("/opt/grader-lib/grader")) + [
            "--ro-bind", str(package_parent / "grader"), "/opt/grader-lib/grader",
            "--ro-bind", str(stub), "/opt/grader-stubs"]
        scratch = run / "tmp"
        env = {"HOME": str(run), "PATH": f"{venv}/bin:/usr/bin:/bin", "TMPDIR": str(scratch),
               "MPLCONFIGDIR": str(scratch / "matplotlib"), "MPLBACKEND": "agg",
               "IPYTHONDIR": str(scratch / "ipython"),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONSAFEPATH": "1", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": "/opt/grader-stubs:/opt/grader-lib", "LANG": "C.UTF-8",
               "NBGRADER_EXECUTION": "autograde", "GRADER_OBSERVE_DIR": str(run / "observations")}
        args += ["--clearenv", "--chdir", str(run)]
        for key, value in env.items():
            args += ["--setenv", key, value]
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                 "prlimit", f"--as={limits.memory_bytes}", f"--nproc={limits.processes}",
                 f"--fsize={limits.file_bytes}", f"--nofile={limits.open_files}", "--core=0"]
        return args + [str(self.python)] + kernel_argv

    def prepare(self, run: Path, uid: int) -> None:
        """Make the run folder the kernel's own, with the stubs that replace hidden packages."""
        stubs = run / ".grader-lib"
        for name in self.hidden_packages:
            (stubs / name).mkdir(parents=True, exist_ok=True)
            (stubs / name / "__init__.py").write_text(stub_source(name), encoding="utf-8")
        for name in ("observations", "tmp"):
            (run / name).mkdir(exist_ok=True)
            os.chown(run / name, uid, uid)
        os.chown(run, uid, uid)
        os.chmod(run, 0o755)


def _mkdirs(path: Path) -> list[str]:
    """bwrap creates missing parents as 0700 (root-only): create them 0755 for the kernel's uid."""
    args = []
    for parent in reversed(Path(path).parents[:-1]):
        if str(parent) != "/tmp":
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def check_available() -> None:
    """Raise SandboxUnavailable unless a sandboxed process can start here."""
    for tool in ("bwrap", "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(
                f"{tool} is not installed; install bubblewrap and util-linux (./run does), or pass "
                "--no-sandbox to grade without isolation (only for trusted submissions)")
    if os.geteuid() != 0:
        raise SandboxUnavailable("the sandbox drops to a uid of its own per kernel, which needs root; "
                                 "run grading as root (e.g. in the course's container) or pass --no-sandbox")
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot create namespaces here: {probe.stderr.strip()[:300]}")


class UidSlot:
    """A uid no other running kernel on this machine uses (file locks work across processes)."""

    def __init__(self):
        self.uid, self._handle, self.stray = None, None, 0

    def __enter__(self) -> int:
        lock_dir = Path(tempfile.gettempdir()) / "grader-uids"
        lock_dir.mkdir(exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_SLOTS):
            handle = open(lock_dir / f"{uid}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self.uid, self._handle = uid, handle
            return self
        raise RuntimeError("no free sandbox uid: too many kernels at once")

    def release(self) -> int:
        """Kill whatever still runs under the uid; return how many processes that was."""
        self.stray = kill_uid(self.uid)
        return self.stray

    def __exit__(self, *exc):
        self.release()
        self._handle.close()


def _pids_of(uid: int):
    """Ids of the processes running under ``uid`` right now."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                yield int(entry.name)
        except OSError:
            pass


def count_uid(uid: int) -> int:
    """How many processes run under ``uid`` right now."""
    return sum(1 for _ in _pids_of(uid))


def kill_uid(uid: int) -> int:
    """Nothing may outlive a kernel: kill every process still running under its uid."""
    killed = 0
    for pid in _pids_of(uid):
        try:
            os.kill(pid, 9)
            killed += 1
        except (OSError, ProcessLookupError):
            pass
    return killed

"""The box a grading kernel runs in: bubblewrap namespaces, an unprivileged uid, resource limits.

Inside, the kernel sees only the system's read-only ``/usr`` and ``/etc``, the
Python environment (read-only, with the numerical packages the notebook does
not allow hidden — PyTorch, SciPy, SymPy, mpmath by default, ``grader.checks.libraries``:
the exercises ask for NumPy, and PyTorch is what answers are compared with), the trusted ``grader``
package, an empty read-only ``/tmp`` and its own run folder — never the course, the
gradebook, solutions or other students' work. The run folder is the only place it
can write, and it lies on a tmpfs of fixed size mounted for this one notebook
(``job_folder``): a kernel that writes without end gets "no space left" there,
and the machine's disk never sees it. It has no network (a new network
namespace with only loopback), its own pid namespace (everything in it dies
with the kernel), and runs as a uid of its own so that ``RLIMIT_NPROC`` applies
(root ignores it) and concurrent kernels cannot reach each other's processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from traitlets import Int
from traitlets.config import Configurable

from ..checks.libraries import masked_for, stub_source
from ..checks.messages import TEXT

HIDDEN_PACKAGES = masked_for(None)
# The trusted package as this process imports it; only its kernel side is importable in a kernel.
PACKAGE = Path(__file__).resolve().parents[1]
INSTRUCTOR_PARTS = ("grading", "authoring")
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
    disk_bytes: int = 256 * 2**20        # everything the kernel writes, observations included (a tmpfs)
    disk_files: int = 32768              # files and folders in it (tmpfs inodes cost kernel memory)


class SandboxLimits(Configurable):
    """The sandbox limits an instructor sets in ``nbgrader_config.py`` (``c.SandboxLimits.…``)."""
    disk_bytes = Int(Limits.disk_bytes, help="Bytes one grading kernel may write in all (its run folder, "
                     "temporary files, observations); beyond them its writes fail with 'no space left'."
                     ).tag(config=True)


@dataclass(frozen=True)
class Sandbox:
    python: Path = field(default_factory=lambda: Path(sys.executable))
    hidden_packages: tuple = HIDDEN_PACKAGES

    def argv(self, run: Path, uid: int, limits: Limits, kernel_argv: list[str]) -> list[str]:
        """bwrap, then setpriv and prlimit, around one kernel whose only writable folder is ``run``."""
        args = self.box(run / ".grader-lib", writable=[run])
        args += ["--clearenv", "--chdir", str(run)]
        for key, value in kernel_env(run).items():
            args += ["--setenv", key, value]
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                 "prlimit", f"--as={limits.memory_bytes}", f"--nproc={limits.processes}",
                 f"--fsize={limits.file_bytes}", f"--nofile={limits.open_files}", "--core=0"]
        return args + [str(self.python)] + kernel_argv

    def box(self, stubs: Path, writable: list[Path], extra: list[str] = ()) -> list[str]:
        """The bwrap arguments of a grading kernel's view: read-only system and environment, hidden
        packages replaced by ``stubs`` (``write_stubs``), an empty read-only ``/tmp``, and ``writable``."""
        venv, base = Path(sys.prefix), Path(os.path.realpath(sys.base_prefix))
        args = ["bwrap", "--die-with-parent", "--new-session",
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        read_only = ["/", "/tmp", "/dev"]   # bwrap's own tmpfs mounts are not sized: read-only once set up
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
                    read_only.append(str(site / name))
            for part in INSTRUCTOR_PARTS:   # a non-editable install of this package
                if (site / "grader" / part).is_dir():
                    args += ["--ro-bind", str(stubs / "instructor-only"), str(site / "grader" / part)]
        for folder in writable:
            args += _mkdirs(folder) + ["--bind", str(folder), str(folder)]
        args += _mkdirs(Path("/opt/grader-lib/grader")) + [
            "--ro-bind", str(PACKAGE), "/opt/grader-lib/grader",
            "--ro-bind", str(stubs), "/opt/grader-stubs"]
        for part in INSTRUCTOR_PARTS:
            args += ["--ro-bind", str(stubs / "instructor-only"), f"/opt/grader-lib/grader/{part}"]
        args += list(extra)
        for path in read_only:   # not recursive: the folders bound below /tmp stay writable
            args += ["--remount-ro", path]
        return args

    def prepare(self, run: Path, uid: int) -> None:
        """Make the run folder the kernel's own, with the stubs that replace hidden packages."""
        write_stubs(run / ".grader-lib", self.hidden_packages)
        prepare_run(run, uid)


def write_stubs(stubs: Path, hidden_packages) -> None:
    """Modules that replace the hidden packages and the instructor's parts: an ImportError in Spanish."""
    for name in hidden_packages:
        (stubs / name).mkdir(parents=True, exist_ok=True)
        (stubs / name / "__init__.py").write_text(stub_source(name), encoding="utf-8")
    masked = stubs / "instructor-only"
    masked.mkdir(parents=True, exist_ok=True)
    (masked / "__init__.py").write_text(f"raise ImportError({TEXT['instructor_only']!r})\n", encoding="utf-8")


def prepare_run(run: Path, uid: int) -> None:
    """The run folder and its observation and temporary folders belong to the kernel's uid."""
    for name in ("observations", "tmp"):
        (run / name).mkdir(exist_ok=True)
        os.chown(run / name, uid, uid)
    os.chown(run, uid, uid)
    os.chmod(run, 0o755)


def kernel_env(run: Path) -> dict:
    """The whole environment of a grading kernel (nothing of the instructor's is passed on)."""
    venv, scratch = Path(sys.prefix), run / "tmp"
    return {"HOME": str(run), "PATH": f"{venv}/bin:/usr/bin:/bin", "TMPDIR": str(scratch),
            "MPLCONFIGDIR": str(scratch / "matplotlib"), "MPLBACKEND": "agg",
            "IPYTHONDIR": str(scratch / "ipython"),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONSAFEPATH": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": "/opt/grader-stubs:/opt/grader-lib", "LANG": "C.UTF-8",
            "NBGRADER_EXECUTION": "autograde", "GRADER_OBSERVE_DIR": str(run / "observations")}


@contextlib.contextmanager
def job_folder(limits: Limits, bounded: bool = True, parent: Path | None = None):
    """A fresh folder for one notebook's run and its observations; with ``bounded``, a tmpfs of its own.

    The tmpfs is mounted by this (root) process before the kernel starts and holds
    ``limits.disk_bytes`` and ``limits.disk_files`` at most, so the kernel cannot
    write more by any route; unmounting it afterwards frees everything at once. Its
    root is root-only (0700): only the run folder inside it is bound into the sandbox.
    """
    folder = Path(tempfile.mkdtemp(prefix="grader-job-", dir=parent))
    mounted = False
    try:
        if bounded:
            _mount_tmpfs(folder, limits.disk_bytes, limits.disk_files)
            mounted = True
        yield folder
    finally:
        if mounted:
            _unmount(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _mount_tmpfs(folder: Path, size: int, inodes: int) -> None:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},nr_inodes={inodes},mode=0700,nosuid,nodev",
                           job_mount_source(), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SandboxUnavailable(f"cannot mount a tmpfs for a run folder: {done.stderr.strip()[:300]}")


def job_mount_source(pid: int | None = None) -> str:
    """The device name of this process's run-folder mounts (``findmnt``/``mount`` show it): whose they are."""
    return f"grader-job-{pid or os.getpid()}"


def _unmount(folder: Path) -> None:
    """Unmount; if something still holds it open, detach it (freed when the last holder goes)."""
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "--lazy", str(folder)], capture_output=True)


def space_left(folder: Path) -> tuple[int, int]:
    """Bytes and inodes still free on the filesystem holding ``folder``."""
    info = os.statvfs(folder)
    return info.f_bavail * info.f_frsize, info.f_favail


def _mkdirs(path: Path) -> list[str]:
    """bwrap creates missing parents as 0700 (root-only): create them 0755 for the kernel's uid."""
    args = []
    for parent in reversed(Path(path).parents[:-1]):
        if str(parent) != "/tmp":
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def check_available() -> None:
    """Raise SandboxUnavailable unless a sandboxed process can start here."""
    for tool in ("bwrap", "setpriv", "prlimit", "mount", "umount"):
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
    with job_folder(Limits(disk_bytes=2**20, disk_files=16)):
        pass   # raises SandboxUnavailable if a run folder cannot be bounded here


class UidSlot:
    """A uid no other running kernel on this machine uses: locked (file locks work across processes)
    and with no process running under it."""

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
            if count_uid(uid):
                # Someone holds it without our lock (a grader whose /tmp is another mount, a leftover):
                # taking it would let that kernel and ours reach, and kill, each other's processes.
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

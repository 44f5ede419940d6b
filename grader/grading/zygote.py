"""Kernels forked from a zygote: interpreter start-up and imports paid once per worker, not per notebook.

A ``Zygote`` is one process per library profile (the packages a notebook may
not use are hidden from it as from any grading kernel: ``sandbox.Sandbox.box``)
that has imported ipykernel, NumPy, matplotlib and ``grader``'s kernel side
(``zygote_server``). Each notebook's kernel is forked from it and, before any
student code runs, gets everything a kernel started by bubblewrap gets: its
own uid (not the zygote's), its own mount, pid, network, IPC and UTS
namespaces, an empty read-only ``jobs`` folder holding only its own run folder
(the bounded tmpfs of ``sandbox.job_folder``, created under the zygote's ``jobs``
folder and propagated into it), the same read-only ``/tmp``, limits, no capability.

The zygote reads no request itself (its children do), so forking copies
nothing of any student's run, and it never sees a secret or a test.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from .sandbox import Limits, Sandbox, SandboxUnavailable, kernel_env, write_stubs

HERE = Path(__file__).resolve().parent
PRELOAD = ["numpy", "matplotlib", "grader"]
READY_SECONDS = 120


class Zygote:
    """One zygote process and its folders; ``kernel_argv`` is the command jupyter_client starts."""

    def __init__(self, hidden_packages: tuple):
        self.sandbox = Sandbox(hidden_packages=tuple(hidden_packages))
        sweep_stale()
        self.home = Path(tempfile.mkdtemp(prefix=f"grader-zygote-{os.getpid()}-"))
        os.chmod(self.home, 0o755)
        self.jobs, self.stubs, self.cache = self.home / "jobs", self.home / "stubs", self.home / "cache"
        self.control = self.home / "control" / "zygote.sock"
        for folder in (self.jobs, self.stubs, self.cache, self.control.parent):
            folder.mkdir(mode=0o755)
        os.chmod(self.control.parent, 0o700)
        write_stubs(self.stubs, self.sandbox.hidden_packages)
        self.process = None
        self._shared = False

    def start(self) -> "Zygote":
        # Run folders are mounted under jobs/ after the zygote starts: a shared mount carries them into it.
        for command in (["mount", "--bind", str(self.jobs), str(self.jobs)], ["mount", "--make-shared", str(self.jobs)]):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                self.close()
                raise SandboxUnavailable(f"zygote: {' '.join(command)}: {done.stderr.strip()[:300]}")
            self._shared = True
        inside = "/opt/grader-zygote/cache"
        env = dict(kernel_env(self.cache), MPLCONFIGDIR=inside, HOME=inside, TMPDIR=inside, IPYTHONDIR=inside)
        env.pop("GRADER_OBSERVE_DIR")
        args = self.sandbox.box(self.stubs, writable=[self.jobs, self.control.parent], extra=[
            "--perms", "0755", "--dir", "/opt/grader-zygote", "--dir", "/opt/grader-zygote/stage",
            "--bind", str(self.cache), "/opt/grader-zygote/cache",
            "--ro-bind", str(HERE / "zygote_server.py"), "/opt/grader-zygote/server.py"])
        args += ["--clearenv", "--chdir", "/opt/grader-zygote"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        for cap in ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL"):
            args += ["--cap-add", cap]
        args += [sys.executable, "/opt/grader-zygote/server.py", str(self.control), *PRELOAD]
        log = open(self.home / "zygote.log", "wb")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        log.close()
        ready = _read_line(self.process.stdout, READY_SECONDS)
        if ready != "ready":
            detail = (self.home / "zygote.log").read_text(errors="replace")[-600:]
            self.close()
            raise SandboxUnavailable(f"the zygote did not start: {detail}")
        return self

    def kernel_argv(self, run: Path, uid: int, limits: Limits, kernel_args: list[str]) -> list[str]:
        """What jupyter_client starts for one kernel: the launcher, with this kernel's request."""
        request = {"run": str(run), "jobs": str(self.jobs), "uid": uid, "limits": asdict(limits), "env": kernel_env(run),
                   "kernel_args": kernel_args}
        return [sys.executable, "-I", "-S", str(HERE / "zygote_launch.py"), str(self.control), json.dumps(request)]

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._shared:
            subprocess.run(["umount", "--recursive", "--lazy", str(self.jobs)], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)


def sweep_stale() -> int:
    """Remove the folders (and their shared mount) of zygotes whose grading process died without
    cleaning up (killed: a Dask worker stopped by its nanny, a SIGTERM): named by that process's pid."""
    removed = 0
    for home in Path(tempfile.gettempdir()).glob("grader-zygote-*-*"):
        pid = home.name.split("-")[2]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        subprocess.run(["umount", "--recursive", "--lazy", str(home / "jobs")], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
        removed += 1
    return removed


def _read_line(stream, seconds: float) -> str:
    """The first line ``stream`` gives within ``seconds`` ("" if none)."""
    line = []
    reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    return line[0].decode(errors="replace").strip() if line else ""


_ZYGOTES: dict = {}
_FAILED: dict = {}      # profile -> why its zygote could not start (kernels then start one by one)
_LOCK = threading.Lock()


def for_profile(hidden_packages: tuple) -> Zygote | None:
    """This process's zygote for a set of hidden packages, started on first use (one per profile);
    None if it cannot start here, and then kernels are started by bubblewrap one by one."""
    key = tuple(hidden_packages)
    with _LOCK:
        if key in _FAILED:
            return None
        zygote = _ZYGOTES.get(key)
        if zygote is None or zygote.process.poll() is not None:
            try:
                zygote = _ZYGOTES[key] = Zygote(key).start()
            except SandboxUnavailable as exc:
                _FAILED[key] = str(exc)
                print(f"grader: kernels will be started one by one: {exc}", file=sys.stderr)
                return None
        return zygote


def close_all() -> None:
    """Stop every zygote of this process (grading is over)."""
    with _LOCK:
        for zygote in _ZYGOTES.values():
            zygote.close()
        _ZYGOTES.clear()


atexit.register(close_all)

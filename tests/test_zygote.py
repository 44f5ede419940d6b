"""Kernels forked from the zygote cannot reach the zygote or each other (issue 23).

Two notebooks run at once from one zygote, as grading runs them: a sibling that
waits, and an attacker given the host pids of the zygote and of the sibling (and
the sibling's run folder) that tries to signal, ptrace and read the memory of
each, and kills every process it can. The sibling finishes its cell, the zygote
still serves a third kernel, and the attacker's every attempt failed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import nbformat
import pytest

from grader.grading import zygote
from grader.grading.executor import run_notebook
from grader.grading.sandbox import UID_BASE, UID_SLOTS, Limits, job_folder

pytestmark = pytest.mark.slow

LIMITS = Limits(cell_seconds=20.0, notebook_seconds=40.0)

ATTACK = """
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
results = {{}}
for pid in {pids}:
    try:
        os.kill(pid, 0)
        results[f"signal {{pid}}"] = "reached"
    except OSError as exc:
        results[f"signal {{pid}}"] = type(exc).__name__
    results[f"ptrace {{pid}}"] = "attached" if libc.ptrace(16, pid, 0, 0) == 0 else os.strerror(ctypes.get_errno())
    try:
        open(f"/proc/{{pid}}/mem", "rb").close()
        results[f"mem {{pid}}"] = "opened"
    except OSError as exc:
        results[f"mem {{pid}}"] = type(exc).__name__
results["sibling folder"] = os.path.exists({sibling_run!r})
results["tmp"] = sorted(os.listdir("/tmp"))
results["uid"] = os.getuid()
print("RESULTS", results)
"""


def _notebook(*sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def _host_pids(uid_range) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid in uid_range:
                pids.append(int(entry.name))
        except OSError:
            pass
    return pids


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``: the box's init, the zygote, the per-kernel supervisors, the kernels."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (int(c) for c in (task / "children").read_text().split()):
            found += [child, *_descendants(child)]
    return found


def _text(run, index) -> str:
    return "".join(o.get("text", "") for o in run.cells[index].outputs)


def test_a_forked_kernel_cannot_reach_the_zygote_or_a_sibling(tmp_path):
    z = zygote.Zygote(("torch", "scipy")).start()
    try:
        box = z.process.pid
        sibling_result, ready = {}, threading.Event()

        def sibling():
            with job_folder(LIMITS, parent=z.jobs) as work:
                sibling_result["run"] = work / "run"
                ready.set()
                sibling_result["nb"] = run_notebook(
                    _notebook("import time\nfor _ in range(80):\n    time.sleep(0.1)\nprint('SIBLING ALIVE')"),
                    work, limits=LIMITS, zygote=z)

        thread = threading.Thread(target=sibling)
        thread.start()
        ready.wait(30)
        deadline = time.monotonic() + 20
        uids = range(UID_BASE, UID_BASE + UID_SLOTS)
        while not _host_pids(uids) and time.monotonic() < deadline:
            time.sleep(0.1)
        sibling_pids = _host_pids(uids)
        assert sibling_pids, "the sibling kernel never started"
        targets = sorted({box, *_descendants(box), *sibling_pids})
        assert len(targets) >= 5, targets       # box, its init, the zygote, the sibling's supervisor and kernel
        with job_folder(LIMITS, parent=z.jobs) as work:
            attack = run_notebook(_notebook(ATTACK.format(pids=targets, sibling_run=str(sibling_result["run"])),
                                            "import os, signal\nos.kill(-1, signal.SIGKILL)"),
                                  work, limits=LIMITS, zygote=z)
        thread.join(60)
        out = _text(attack, 0)
        assert "RESULTS" in out, (out, attack.problem, attack.cells)
        results = eval(out.split("RESULTS", 1)[1])   # noqa: S307 - our own test's dict literal
        for pid in targets:
            assert results[f"signal {pid}"] in ("ProcessLookupError", "PermissionError"), results
            assert results[f"ptrace {pid}"] != "attached", results
            assert results[f"mem {pid}"] != "opened", results
        assert results["sibling folder"] is False, results
        assert results["uid"] in uids and results["uid"] not in (0,), results
        # kill(-1) reached only the attacker's own processes: the sibling finished its cell.
        assert "SIBLING ALIVE" in _text(sibling_result["nb"], 0), sibling_result["nb"].cells
        assert z.process.poll() is None
        with job_folder(LIMITS, parent=z.jobs) as work:
            after = run_notebook(_notebook("print('NEXT', 6 * 7)"), work, limits=LIMITS, zygote=z)
        assert "NEXT 42" in _text(after, 0)
    finally:
        z.close()


def test_a_killed_grading_process_leaves_nothing_the_next_zygote_does_not_remove():
    """A grading process killed outright (a Dask worker stopped by its nanny) cannot run its cleanup: the
    next zygote on the machine removes the dead process's folder and unmounts its shared mount."""
    import os
    import signal
    import subprocess
    import sys
    code = ("import sys, time; from grader.grading import zygote\n"
            "z = zygote.Zygote(('torch',)).start(); print(z.home, flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1])
    home = Path(child.stdout.readline().strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    mounted = lambda: str(home / "jobs") in Path("/proc/self/mountinfo").read_text()  # noqa: E731
    assert home.is_dir() and mounted()
    fresh = zygote.Zygote(("torch",))
    try:
        assert not home.exists() and not mounted()
    finally:
        fresh.close()

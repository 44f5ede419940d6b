"""Run a notebook's code cells in a fresh (sandboxed) kernel, with limits, and keep what it observed.

nbclient is what nbgrader uses; this small loop replaces it in the grading path
because grading needs what nbclient does not give: output captured only for the
cell that is running (a thread started earlier cannot write into another cell),
a byte cap per cell that stops the kernel instead of filling memory, a budget
for the whole notebook, interrupt-then-kill on timeout, a dead kernel reported
rather than raised, the observation files each test cell wrote moved out of
the kernel's reach as soon as the cell ends, and a note when the kernel filled
its bounded run folder (``sandbox.job_folder``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

from ..checks import observations
from ..checks.messages import TEXT
from .runs import CellRun, NotebookRun
from .sandbox import Limits, Sandbox, UidSlot, count_uid, prepare_run, space_left

KERNEL_ARGV = ["-m", "ipykernel_launcher", "-f", "{connection_file}",
               "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
STARTUP_SECONDS = 60
KERNEL_NOT_STARTED = "kernel did not start"
SPAWN_NOTE = 4          # more processes than this under a kernel's uid is worth telling the instructor
FULL_MARGIN = 2**20     # less free space than this after a cell: the kernel reached the disk cap


class _SpecManager(KernelSpecManager):
    """Hands jupyter_client one kernel spec built for this run (argv with the sandbox around it)."""

    def __init__(self, argv, **kwargs):
        super().__init__(**kwargs)
        self._argv = argv

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=self._argv, display_name="grading", language="python",
                          interrupt_mode="message")


def run_notebook(nb, workdir: Path, *, limits: Limits = Limits(), sandbox: Sandbox | None = Sandbox(),
                 skip=lambda cell: False, zygote=None) -> NotebookRun:
    """Execute every code cell of ``nb`` in order; ``workdir`` is this run's private folder.

    Sandboxed, ``workdir`` is the bounded folder of ``sandbox.job_folder``: the
    run folder and the collected observations share its space. With a ``zygote``
    (``grader.grading.zygote``; ``workdir`` then lies in its ``jobs`` folder) the
    kernel is forked from it into the same box instead of started by bubblewrap.
    """
    run_dir, collected = workdir / "run", workdir / "collected"
    run_dir.mkdir(parents=True)
    collected.mkdir()
    with UidSlot() as slot:
        uid = slot.uid
        if zygote is not None:
            prepare_run(run_dir, uid)
            kernel_args = [a.replace("{connection_file}", str(run_dir / "kernel.json")) for a in KERNEL_ARGV[2:]]
            argv = zygote.kernel_argv(run_dir, uid, limits, kernel_args)
        elif sandbox is not None:
            sandbox.prepare(run_dir, uid)
            argv = sandbox.argv(run_dir, uid, limits, KERNEL_ARGV)
        else:
            (run_dir / "observations").mkdir()
            argv = [sys.executable, *KERNEL_ARGV]
        boxed = sandbox is not None or zygote is not None
        result = _Execution(nb, workdir, limits, argv, uid, boxed, skip).run()
        if boxed:
            time.sleep(0.05)  # the pid namespace is torn down with the kernel; count what survived it
            stray = slot.release()
            if stray:
                result.notes.append(f"{stray} processes were still running after the kernel stopped; killed")
        return result


def _wait_for_ready(km, kc, timeout: float) -> None:
    """jupyter_client's ``wait_for_ready`` without its final 0.2 s drain of IOPub (a fifth of a forked
    kernel's start): a reply to ``kernel_info`` on the shell channel, and IOPub proven connected by
    the status message of that request. Later messages are sorted by their parent (``_one``)."""
    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = kc.get_shell_msg(timeout=0.5)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                kc.get_iopub_msg(timeout=0.5)
                return
            except Empty:
                pass                  # IOPub not connected yet: ask again
        if not km.is_alive():
            raise RuntimeError("the kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no reply to kernel_info in {timeout:g} s")


class _Execution:
    def __init__(self, nb, workdir, limits, argv, uid, sandboxed, skip):
        self.nb, self.workdir, self.limits = nb, workdir, limits
        self.run_dir, self.collected = workdir / "run", workdir / "collected"
        self.argv, self.uid, self.sandboxed, self.skip = argv, uid, sandboxed, skip
        self.result = NotebookRun()

    def run(self) -> NotebookRun:
        started = time.monotonic()
        km = KernelManager(kernel_spec_manager=_SpecManager(self.argv), kernel_name="grading",
                           transport="ipc", ip=str(self.run_dir / "kipc"))
        km.connection_file = str(self.run_dir / "kernel.json")
        km.write_connection_file()
        if self.sandboxed:
            os.chown(km.connection_file, self.uid, self.uid)
        env = dict(os.environ, GRADER_OBSERVE_DIR=str(self.run_dir / "observations"),
                   NBGRADER_EXECUTION="autograde", PYTHONSAFEPATH="1")
        env.pop("JPY_PARENT_PID", None)
        kc = None
        try:
            km.start_kernel(cwd=str(self.run_dir), env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kc = km.client()
            kc.start_channels()
            try:
                _wait_for_ready(km, kc, STARTUP_SECONDS)
            except RuntimeError as exc:
                self.result.problem = f"{KERNEL_NOT_STARTED}: {exc}"
                return self.result
            self.result.seconds["start"] = time.monotonic() - started
            self._cells(km, kc, started + self.limits.notebook_seconds)
            self.result.seconds["execute"] = time.monotonic() - started - self.result.seconds["start"]
            return self.result
        finally:
            if self.sandboxed:
                running = count_uid(self.uid)
                if running > SPAWN_NOTE:
                    self.result.notes.append(f"{running} processes ran under the kernel's uid at the end "
                                             "(the notebook started processes)")
            if kc is not None:
                kc.stop_channels()
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - already dead is fine
                pass
            km.cleanup_resources()

    def _cells(self, km, kc, deadline):
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            outcome = CellRun()
            self.result.cells[index] = outcome
            if self.result.problem:
                continue                     # stays "not_reached"
            if self.skip(cell):
                outcome.status = "skipped"
                outcome.outputs = [nbformat.v4.new_output("stream", name="stdout", text=TEXT["demo_skipped"] + "\n")]
                continue
            self._one(km, kc, index, cell, outcome, deadline)
            outcome.observations = self._collect(index)
            if self.sandboxed and self.result.disk_full is None:
                self._check_space(index)

    def _check_space(self, index):
        """Note the first cell after which the bounded folder was full: the kernel's writes failed."""
        free_bytes, free_files = space_left(self.workdir)
        if free_bytes < FULL_MARGIN or free_files == 0:
            self.result.disk_full = index
            self.result.notes.append(
                f"disk cap reached in cell {index} ({self.limits.disk_bytes // 2**20} MB, "
                f"{self.limits.disk_files} files): the kernel's writes failed from then on (no space left)")

    def _one(self, km, kc, index, cell, outcome, deadline):
        msg_id = kc.execute(cell.source, store_history=True, allow_stdin=False, stop_on_error=False)
        cell_deadline = min(time.monotonic() + self.limits.cell_seconds, deadline)
        size, interrupted = 0, False
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.2)
            except Empty:
                if not km.is_alive():
                    outcome.status, self.result.problem = "died", f"kernel died in cell {index}"
                    return
                if time.monotonic() > cell_deadline:
                    if interrupted or time.monotonic() > deadline:
                        outcome.status = "timeout"
                        self.result.problem = f"cell {index} exceeded the time limit; kernel stopped"
                        km.shutdown_kernel(now=True)
                        return
                    km.interrupt_kernel()
                    self.result.notes.append(f"cell {index} exceeded the time limit "
                                             f"({self.limits.cell_seconds:g} s); interrupted")
                    interrupted, cell_deadline = True, time.monotonic() + 5
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue                      # output of another cell's thread: not this cell's
            kind = msg["msg_type"]
            if kind == "status" and msg["content"].get("execution_state") == "idle":
                if interrupted:
                    outcome.status = "timeout"
                elif outcome.status == "not_reached":
                    outcome.status = "ok"
                return
            if kind == "clear_output":
                outcome.outputs.clear()
                continue
            if kind not in ("stream", "display_data", "execute_result", "error"):
                continue
            size += len(str(msg["content"]))
            if size > self.limits.output_bytes:
                outcome.outputs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=TEXT["output_truncated"].format(limit=self.limits.output_bytes)))
                outcome.status = "flood"
                self.result.problem = f"cell {index} wrote more than {self.limits.output_bytes} bytes; kernel stopped"
                km.shutdown_kernel(now=True)
                return
            output = nbformat.v4.output_from_msg(msg)
            if kind == "error":
                outcome.status, outcome.detail = "error", str(msg["content"].get("ename", ""))[:60]
            previous = outcome.outputs[-1] if outcome.outputs else None
            if (kind == "stream" and previous is not None and previous.get("output_type") == "stream"
                    and previous.get("name") == output.get("name")):
                previous["text"] += output["text"]
            else:
                outcome.outputs.append(output)

    def _collect(self, index) -> Path | None:
        """Move the cell's observation folders out of the kernel's reach.

        Only real folders are moved (``lstat``): the kernel may have put a
        symbolic link there (to ``/proc/self/cwd/submitted/...``, which the
        scorer would resolve in the course). Everything is done through
        descriptors opened without following links from this job's own folder,
        which the kernel cannot see.
        """
        try:
            with observations.directory(self.collected.parent, "run", "observations") as fd:
                entries, others = observations.subfolders(fd, remove_others=True)
                if others:
                    self.result.notes.append(f"cell {index}: refused and removed {others} observation entries "
                                             "that were not real folders (symbolic links?)")
                if not entries:
                    return None
                target = self.collected / str(index)
                try:
                    target.mkdir()
                except OSError:    # no inode left in the bounded folder: the cell's observations are lost
                    return None
                for name in entries[:1000]:
                    try:
                        os.rename(name, target / name, src_dir_fd=fd)
                    except OSError:
                        pass
                return target
        except observations.UnreadableObservation:
            return None

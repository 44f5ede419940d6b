"""Issues 7 and 24: untrusted submissions run sandboxed; one bad submission never hurts another.

One batch (tests/hostile.py) grades, beside an honest student, submissions that
loop, exhaust memory, fork, kill their kernel, flood output, open a connection,
read and write outside their run folder, fill the disk, shadow modules, or are
not valid notebooks. Each test asserts what an attack could have broken.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader.grading.runs import NotebookRun
from grader.checks.messages import NOTICE
from grader.grading.preprocessors import _notices
from grader.grading.sandbox import Limits, Sandbox, UidSlot, job_folder, job_mount_source
from grader.grading.scoring import score_notebook

from .hostile import ASSIGNMENT, LIMITS, NOTEBOOK, TOKEN, WRITE_MARK, assert_graded_with_zero

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

ATTACKS = ["loop", "loop_in_forward", "loop_ignoring_interrupts", "memory", "fork", "exit", "segfault",
           "flood", "network", "read", "write", "disk"]


def test_a_kernel_cannot_load_the_instructors_half_of_the_package(hostile):
    # The answer turns right only if some instructor module could be imported or executed from its file.
    assert_graded_with_zero(hostile, "instructor_import")


@pytest.mark.parametrize("student", ATTACKS)
def test_attacker_scores_zero_and_is_reported(hostile, student):
    assert_graded_with_zero(hostile, student)
    assert hostile.report.notes.get(student), f"{student} was not reported"


def test_the_honest_neighbour_scores_as_when_graded_alone(hostile):
    assert hostile.scores["honest"] == hostile.alone
    assert all(s == m for s, m in hostile.alone.values()), hostile.alone


@pytest.mark.parametrize("student, reason", [
    ("loop", "time limit"), ("loop_in_forward", "time limit"), ("loop_ignoring_interrupts", "time limit"),
    ("exit", "kernel died"), ("segfault", "kernel died"), ("flood", "more than"),
])
def test_stopped_kernels_are_reported_with_the_reason(hostile, student, reason):
    assert any(reason in note for note in hostile.report.notes[student]), hostile.report.notes[student]


def test_stopped_kernels_tell_the_student_why_in_spanish(hostile):
    assert "superó el tiempo máximo" in hostile.feedback["loop_in_forward"]
    assert "el proceso de Python se detuvo" in hostile.feedback["exit"]
    assert "demasiada salida" in hostile.feedback["flood"]


def test_an_interrupted_cell_does_not_cost_the_cells_after_it(hostile):
    # `while True` in the answer cell is interrupted; the notebook goes on (the class is undefined,
    # so the tests fail, but they ran: each says the answer cell failed).
    assert "Antes falló la celda «sigmoid_layer» (superó el tiempo máximo" in hostile.feedback["loop"]


def test_the_canary_is_never_read(hostile):
    for folder in ("autograded", "feedback", "reports"):
        for path in (hostile.course / folder).rglob("*"):
            if path.is_file():
                assert TOKEN not in path.read_text(errors="replace"), path
    assert TOKEN.encode() not in (hostile.course / "gradebook.db").read_bytes()
    assert all(TOKEN not in text for text in hostile.feedback.values())


def test_nothing_outside_the_run_folders_changes(hostile):
    assert hostile.tree_before == hostile.tree_after
    assert not (hostile.course / "pwned.txt").exists()
    assert not Path(f"/tmp/{WRITE_MARK}").exists()


def test_processes_stay_within_the_limit(hostile):
    # The fork attack asked for 150 sleeping children: it ran (the count rose), and stopped at the limit.
    assert 20 <= hostile.max_processes <= LIMITS.processes, hostile.max_processes


def test_no_connection_leaves_the_sandbox(hostile):
    assert hostile.connections == 0


def test_a_right_answer_with_shadowing_modules_beside_it_keeps_full_marks(hostile):
    scores = hostile.scores["shadow"]
    assert scores and all(s == m for s, m in scores.values()), scores


def test_an_invalid_notebook_is_reported_and_the_others_are_graded(hostile):
    assert "NotJSONError" in hostile.report.failed["invalid_json"]
    assert hostile.scores["honest"] == hostile.alone


def test_a_renamed_notebook_scores_zero_and_is_reported(hostile):
    assert sum(s for s, _ in hostile.scores["renamed_notebook"].values()) == 0
    assert any("Sigmoide (1).ipynb" in note for note in hostile.report.notes["renamed_notebook"])


# Issue 24: one notebook cannot fill the grading machine's disk.

MiB = 2**20


def _written_by_the_disk_attack(batch) -> int:
    """What the writer says it wrote (its answer cell's output in autograded/)."""
    nb = nbformat.read(batch.course / "autograded" / "disk" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    match = re.search(r"DISK written=(\d+) full_after=([\d.]+)", text)
    assert match, text[:2000]
    return int(match.group(1))


@pytest.mark.slow
def test_a_notebook_writing_2_gb_is_stopped_at_the_disk_cap_and_reported(hostile):
    written = _written_by_the_disk_attack(hostile)
    assert LIMITS.disk_bytes - 64 * MiB <= written <= LIMITS.disk_bytes, written
    notes = hostile.report.notes["disk"]
    assert any(note.startswith(f"{NOTEBOOK}: disk cap reached in cell") for note in notes), notes
    saved = json.loads((hostile.course / "reports" / f"{ASSIGNMENT}.json").read_text())
    assert any("disk cap reached" in note for note in saved["notes"]["disk"])
    others = [note for student, notes in hostile.report.notes.items() if student != "disk" for note in notes]
    assert not any("disk cap" in note for note in others), others


@pytest.mark.slow
def test_the_disk_writer_reads_why_in_spanish(hostile):
    page = hostile.feedback["disk"]
    assert NOTICE["disk_full"] in page
    assert "llenó el espacio en disco disponible al corregir (256 MB)" in page   # the test cells' reason
    assert "disco" not in hostile.feedback["honest"]


@pytest.mark.slow
def test_peak_disk_use_is_bounded_by_workers_times_the_cap(hostile):
    disk, cap = hostile.disk, LIMITS.disk_bytes
    assert disk.size == cap                        # the run folders were the bounded tmpfs
    assert disk.peak_one >= cap - MiB              # the writer's folder filled up, and no further
    assert 1 <= disk.mounts <= hostile.workers
    assert disk.peak_total <= hostile.workers * cap
    # Nothing of the 2 GB reached the machine's disk (other work on the machine may write a little).
    assert disk.host_peak - disk.host_before < hostile.workers * cap + 512 * MiB
    assert job_mount_source() not in Path("/proc/self/mountinfo").read_text()   # all unmounted


PROBE = r"""
import errno, json, os
mounts = []
for line in open("/proc/self/mountinfo"):
    fields = line.split()
    kind = line.split(" - ", 1)[1].split()[0]
    if fields[5].split(",")[0] == "rw" and kind not in ("proc", "devpts", "devtmpfs"):
        mounts.append(fields[4])
refused = {}
for folder in ("/", "/tmp", "/dev", "/dev/shm", "/opt"):
    try:
        open(os.path.join(folder, "x"), "w").close()
        refused[folder] = 0
    except OSError as exc:
        refused[folder] = exc.errno
written, error = 0, 0
try:
    for i in range(64):
        with open(f"big{i}", "wb") as f:
            f.write(b"x" * 2**20)
        written += 2**20
except OSError as exc:
    error = exc.errno
files, files_error = 0, 0
try:
    for i in range(100000):
        open(f"empty{i}", "w").close()
        files += 1
except OSError as exc:
    files_error = exc.errno
print(json.dumps({"mounts": mounts, "refused": refused, "written": written, "error": error,
                  "files": files, "files_error": files_error}))
"""


def test_the_bounded_run_folder_is_the_only_writable_place():
    limits = Limits(disk_bytes=16 * MiB, disk_files=256)
    with job_folder(limits) as work:
        run = work / "run"
        run.mkdir()
        with UidSlot() as slot:
            Sandbox().prepare(run, slot.uid)
            done = subprocess.run(Sandbox().argv(run, slot.uid, limits, ["-c", PROBE]),
                                  capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        assert (work.stat().st_mode & 0o777) == 0o700     # the collected observations' side is root-only
    assert seen["mounts"] == [str(run)], seen["mounts"]    # /, /tmp, /dev (so /dev/shm) are read-only
    assert set(seen["refused"].values()) <= {13, 30} and 0 not in seen["refused"].values(), seen["refused"]
    assert seen["error"] == 28 and 12 * MiB <= seen["written"] < 16 * MiB, seen   # ENOSPC at the cap
    assert seen["files_error"] == 28 and 200 <= seen["files"] < 256, seen          # and at the file count
    assert not work.exists()


def test_only_scoring_sets_the_notices_of_the_feedback():
    forged = nbformat.v4.new_notebook(metadata={"grader": {"notices": ["disk_full"]}})
    score_notebook(forged, NotebookRun(), LIMITS)
    assert "grader" not in forged.metadata
    full = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("open('x', 'wb')")])
    score_notebook(full, NotebookRun(disk_full=0), LIMITS)
    assert _notices(full.metadata["grader"]) == [NOTICE["disk_full"]]
    assert _notices({"notices": ["<b>x</b>", 3]}) == [] and _notices("disk_full") == []

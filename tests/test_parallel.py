"""Issue 9: a class graded in parallel — locally or on a real Dask cluster — gets the grades each
submission gets alone, and one broken and one malicious submission never stop the others."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grading import pipeline
from grader.authoring import submissions


from .hostile import ASSIGNMENT, NOTEBOOK, WRONG, scratch

pytestmark = pytest.mark.slow   # grades notebooks, starts kernels or browsers

CLASS = {
    "perfect": {"from_solutions": True},
    "partial": {"cells": {"sigmoid_layer": WRONG.replace("2.0 * x", "1.0 / (1.0 + np.exp(-x))")}},
    "wrong": {"cells": {"sigmoid_layer": WRONG}},
    "empty": {},
    "perfect2": {"from_solutions": True},
    "malicious": {"cells": {"sigmoid_layer": "import os\nos._exit(0)"}},
}


def _class(root: Path) -> Path:
    course = scratch(root)
    for student, options in CLASS.items():
        submissions.write(course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, **options))
    broken = course / "submitted" / "broken" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / f"{NOTEBOOK}.ipynb").write_text('{"cells": [')
    return course


def _scores(course: Path) -> dict:
    return {s: pipeline.cell_scores(course, ASSIGNMENT, s).get(NOTEBOOK) for s in [*CLASS, "broken"]}


@pytest.fixture(scope="module")
def together(tmp_path_factory):
    course = _class(tmp_path_factory.mktemp("together"))
    report = pipeline.grade(course, ASSIGNMENT, workers=2)
    return course, report, _scores(course)


def test_parallel_grades_equal_grades_one_at_a_time(together, tmp_path):
    _, _, parallel = together
    course = _class(tmp_path)
    for student in [*CLASS, "broken"]:
        pipeline.grade(course, ASSIGNMENT, workers=1, students=[student])
    assert _scores(course) == parallel
    assert parallel["perfect"] != parallel["partial"] != parallel["wrong"]   # the class is mixed


def test_a_broken_and_a_malicious_submission_do_not_stop_the_class(together):
    course, report, scores = together
    assert "NotJSONError" in report.failed["broken"]
    assert any("kernel died" in n for n in report.notes["malicious"])
    for student in ("perfect", "perfect2"):
        assert all(s == m for s, m in scores[student].values()), scores[student]
        assert (course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()
    assert sum(s for s, _ in scores["malicious"].values()) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return False


def test_grading_on_a_real_dask_cluster(together, tmp_path):
    _, _, expected = together
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"

    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}")
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                  str(port), "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "2",
                               "--no-dashboard", "--local-directory", str(tmp_path / "dask")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from distributed import Client
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    if client.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the Dask cluster did not start"
            time.sleep(0.5)
        course = _class(tmp_path / "cluster")
        report = pipeline.grade(course, ASSIGNMENT, scheduler=address)
        assert _scores(course) == expected
        pids = [int(w.rsplit(":", 1)[1]) for w in report.workers]
        assert pids and os.getpid() not in pids
        assert all(_descends_from(pid, worker.pid) for pid in pids), (pids, worker.pid)
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


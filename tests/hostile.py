"""A class of hostile submissions graded in one batch beside an honest one, through the grading path.

Every attacker hands in the sigmoid notebook with a *wrong* Sigmoid (it returns
its input), so any point it earns was forged. The batch runs in a scratch course
holding canary files with a unique token where a kernel must never reach
(the course root, solutions, another student's submission); a listener on
loopback records any connection; a watcher counts the sandbox uids' processes.
Used by tests/test_sandbox.py (issue 7) and tests/test_tampering.py (issue 8).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader import pipeline, submissions, variants
from grader.sandbox import UID_BASE, UID_SLOTS, Limits

from .conftest import COURSE

ASSIGNMENT, NOTEBOOK = "05-activaciones", "sigmoide"
LIMITS = Limits(cell_seconds=4.0, notebook_seconds=40.0, output_bytes=64 * 1024)
TOKEN = "CANARY-" + secrets.token_hex(8)
TEST_CELLS = ["test_sigmoid_forward", "test_sigmoid_backward", "test_sigmoid_numerical_gradient",
              "test_sigmoid_stability"]

WRITE_MARK = "pwned-" + secrets.token_hex(8)
# Wrong everywhere: values, gradient, and forward and backward disagree with each other.
WRONG = '''
class Sigmoid:
    def forward(self, x):
        self.x = x
        return 2.0 * x

    def backward(self, grad_output):
        return 0.5 * grad_output
'''


# Issue 18: a cell that finds the grading package's functions through the garbage collector and a
# frame, and replaces the checks (line 3 is the first that reaches into the machinery).
FRAME_PATCH = """
import numpy as np
checks = ("check_forward", "check_backward", "check_numerical_gradient", "check_stability")
here = __import__("sys")._getframe(0)
for namespace in __import__("gc").get_objects():
    if isinstance(namespace, dict) and "check_forward" in namespace and namespace is not here.f_globals:
        for name in checks:
            namespace[name] = lambda *args, **kwargs: print("Correcto")
"""
EXPIT = '''
from scipy.special import expit


class Sigmoid:
    def forward(self, x):
        self.out = expit(x)
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)
'''
# Honest scratch work after a right answer: magics, np.errstate, caught warnings, a check called by hand.
SCRATCH = '''

%matplotlib inline
import warnings
with np.errstate(over="ignore"), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    naive = 1.0 / (1.0 + np.exp(-np.array([-1000.0, 0.0, 1000.0])))
%timeit -n 1 -r 1 Sigmoid().forward(naive)
grader.check_forward(Sigmoid, "sigmoid", shapes=[(3,)], seed=5)
'''


def answer(attack: str, tail: str = WRONG) -> dict:
    return {"sigmoid_layer": attack.strip("\n") + "\n" + tail}


@dataclass
class Batch:
    course: Path
    report: pipeline.GradeReport
    scores: dict                  # student -> {grade_id: (score, max)}
    alone: dict                   # the honest student's scores when graded alone
    seconds: float
    max_processes: int            # most processes one sandbox uid had at any time
    connections: int              # connections the loopback listener accepted
    tree_before: str
    tree_after: str
    feedback: dict = field(default_factory=dict)   # student -> feedback HTML text
    port: int = 0


def _tree_hash(course: Path) -> str:
    """Everything in the course that grading must not change (its outputs excluded)."""
    digest = hashlib.sha256()
    skip = {"autograded", "feedback", "reports", "gradebook.db", "gradebook.db-journal"}
    for path in sorted(course.rglob("*")):
        if path.relative_to(course).parts[0] in skip or not path.is_file():
            continue
        digest.update(str(path.relative_to(course)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _ProcessWatcher(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.max, self.stop = 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            counts: dict = {}
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        uid = entry.stat().st_uid
                    except OSError:
                        continue
                    if UID_BASE <= uid < UID_BASE + UID_SLOTS:
                        tasks = entry / "task"
                        try:
                            counts[uid] = counts.get(uid, 0) + len(list(tasks.iterdir()))
                        except OSError:
                            pass
            self.max = max([self.max, *counts.values()])
            time.sleep(0.05)


def attacks(course: Path, port: int) -> dict:
    """student -> submission cells (or a callable that writes the files itself)."""
    canary = course / "canary.txt"
    return {
        # Issue 7
        "loop": answer("while True:\n    pass"),
        "loop_in_forward": answer("", WRONG.replace("self.x = x", "while True:\n            pass")),
        "loop_ignoring_interrupts": answer("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                           "while True:\n    pass"),
        "memory": answer("import numpy as np\nhog = np.ones(2 ** 33, dtype=np.uint8)"),
        "fork": answer("import os, time\nchildren = []\nfor _ in range(150):\n    try:\n"
                       "        pid = os.fork()\n    except OSError:\n        break\n    if pid == 0:\n"
                       "        time.sleep(20)\n        os._exit(0)\n    children.append(pid)\n"
                       "print(len(children))"),
        "exit": answer("import os\nos._exit(0)"),
        "segfault": answer("import ctypes\nctypes.string_at(0)"),
        "flood": answer("while True:\n    print('x' * 10000)"),
        "network": answer(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)"),
        "read": answer(
            "import os, glob\nfound = []\n"
            f"for path in [{str(canary)!r}, {str(course / 'solutions')!r}, {str(course / 'gradebook.db')!r},\n"
            f"             {str(course / 'submitted' / 'honest')!r}, '../../../canary.txt', '../../..']:\n"
            "    try:\n        found.append(open(path, errors='replace').read()[:2000])\n"
            "    except OSError as exc:\n        found.append(repr(exc))\n"
            "print(found)\n"
            "print([p for p in glob.glob('/**/*', recursive=True) if 'canary' in p or 'gradebook' in p][:20])\n"
            f"open({str(canary)!r}).read()"),
        "write": answer(
            f"for path in [{str(course / 'pwned.txt')!r}, {str(course / 'source' / 'pwned.txt')!r},\n"
            f"             '/tmp/{WRITE_MARK}', '../../../pwned.txt']:\n"
            "    try:\n        open(path, 'w').write('pwned')\n    except OSError as exc:\n        print(exc)\n"
            f"open({str(course / 'pwned.txt')!r}, 'w')"),
        "shadow": "shadow",            # a right answer, with grader.py, numpy.py, torch.py beside it
        "invalid_json": "invalid_json",
        "renamed_notebook": "renamed_notebook",
        # Issue 8
        "swapped_grader": answer(
            "import sys, types\nfake = types.ModuleType('grader')\n"
            "for name in ('check_forward', 'check_backward', 'check_numerical_gradient', 'check_stability'):\n"
            "    setattr(fake, name, lambda *a, **k: print('Correcto'))\nsys.modules['grader'] = fake\n"
            "grader = fake"),
        "patched_numpy": answer(
            "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\nnp.isfinite = lambda x: np.ones(np.shape(x), bool)"),
        "input_transformer": answer(
            "get_ipython().input_transformers_post.append(lambda lines: ['print(\"Correcto\")\\n'])"),
        "hooks": answer(
            "import sys\nip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
            "sys.excepthook = lambda *a: None\nip.set_custom_exc((Exception,), lambda *a, **k: None)"),
        "replaced_code": answer(
            "import grader, grader.layer_checks\n"
            "def nothing(*args, **kwargs):\n    print('Correcto')\n"
            "for f in (grader.check_forward, grader.check_backward, grader.check_numerical_gradient,\n"
            "          grader.check_stability, grader.layer_checks.run, grader.layer_checks.observe):\n"
            "    f.__code__ = nothing.__code__"),
        "forged_ok": answer(
            "import sys\nip = get_ipython()\n"
            "ip.events.register('post_run_cell', lambda result: print('Correcto: Sigmoid.forward coincide'))"),
        "always_equal": answer("", '''
class Liar:
    shape = property(lambda self: (7,))
    dtype = property(lambda self: __import__("numpy").dtype("float64"))
    def __eq__(self, other): return True
    def __array__(self, *a, **k): return __import__("numpy").zeros(7)

class Sigmoid:
    def forward(self, x):
        return Liar()

    def backward(self, grad_output):
        return Liar()
'''),
        "lying_subclass": answer("", '''
import numpy as np

class Lying(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(self), bool)
    def __array_ufunc__(self, *a, **k): return np.zeros(1)
    def all(self, *a, **k): return True

class Sigmoid:
    def forward(self, x):
        return np.asarray(2.0 * x).view(Lying)

    def backward(self, grad_output):
        return np.asarray(0.5 * grad_output).view(Lying)
'''),
        "forged_observations": answer(
            "import os, threading, time\n"
            "def forge():\n    for _ in range(400):\n        target = os.environ.get('GRADER_OBSERVE_DIR')\n"
            "        if target:\n            os.makedirs(target + '/00000', exist_ok=True)\n"
            "            open(target + '/00000/meta.json', 'w').write('{\"observations\": []}')\n"
            "        time.sleep(0.01)\nthreading.Thread(target=forge, daemon=True).start()"),
        "torch_answer": answer("", '''
class Sigmoid:
    def forward(self, x):
        import torch
        self.out = torch.sigmoid(torch.as_tensor(x)).numpy()
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)
'''),
        # Issue 18
        "frame_patch": answer(FRAME_PATCH),
        "modules_patch": answer("import sys\nchecks = sys.modules['grader']\n"
                                "checks.check_forward = checks.check_backward = lambda *a, **k: print('Correcto')"),
        "expit": {"sigmoid_layer": EXPIT.strip("\n")},
        "expit_lazy": {"sigmoid_layer": EXPIT.replace("from scipy.special import expit\n", "").replace(
            "self.out = expit(x)", "from scipy.special import expit\n        self.out = expit(x)").strip("\n")},
        "honest_scratch": {"sigmoid_layer": submissions.solution_answers(course, ASSIGNMENT, NOTEBOOK)["sigmoid_layer"]
                           + SCRATCH},
        "deleted_tests": "deleted_tests",
        "deleted_tests_right_answer": "deleted_tests_right_answer",
        "duplicated_tests": "duplicated_tests",
        "renamed_tests": "renamed_tests",
    }


def _restructure(release: Path, how: str) -> str:
    """The release with the wrong answer, and its test cells deleted, duplicated or renamed."""
    nb = nbformat.read(release, as_version=4)
    right = submissions.solution_answers(release.parents[2], ASSIGNMENT, NOTEBOOK)["sigmoid_layer"]
    for cell in nb.cells:
        if submissions.grade_id(cell) == "sigmoid_layer":
            cell.source = right if how.endswith("right_answer") else WRONG
    tests = [c for c in nb.cells if submissions.grade_id(c) in TEST_CELLS]
    if how.startswith("deleted_tests"):
        nb.cells = [c for c in nb.cells if c not in tests]
    elif how == "duplicated_tests":
        for cell in tests:
            copy = nbformat.from_dict(json.loads(json.dumps(cell)))
            copy.source = "print('Correcto')"
            nb.cells.insert(nb.cells.index(cell), copy)
    elif how == "renamed_tests":
        for cell in tests:
            cell.metadata.nbgrader["grade_id"] += "_mine"
            cell.source = "print('Correcto')"
            cell.id = cell.metadata.nbgrader["grade_id"]
    return nbformat.writes(nb)


def _write(course: Path, student: str, plan) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    target = folder / f"{NOTEBOOK}.ipynb"
    if isinstance(plan, dict):
        target.write_text(submissions.build(course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, plan)))
    elif plan == "shadow":
        target.write_text(submissions.build(course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, {},
                                                                           from_solutions=True)))
        stub = "def __getattr__(name):\n    return lambda *a, **k: print('Correcto')\n"
        for name in ("grader.py", "numpy.py", "torch.py"):
            (folder / name).write_text(stub)
    elif plan == "invalid_json":
        target.write_text('{"cells": [ esto no es JSON')
    elif plan == "renamed_notebook":
        (folder / "Sigmoide (1).ipynb").write_text(submissions.build(
            course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, {}, from_solutions=True)))
    else:
        target.write_text(_restructure(release, plan))


def scratch(root: Path) -> Path:
    """A course with only the sigmoid notebook, released, plus canaries."""
    course = root / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy2(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copy2(COURSE / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", course / "source" / ASSIGNMENT)
    pipeline.release(course, ASSIGNMENT)
    (course / "canary.txt").write_text(TOKEN)
    (course / "solutions" / ASSIGNMENT).mkdir(parents=True)
    (course / "solutions" / ASSIGNMENT / "canary.txt").write_text(TOKEN)
    return course


def grade_batch(root: Path) -> Batch:
    course = scratch(root)
    honest = submissions.Submission("honest", ASSIGNMENT, NOTEBOOK, {}, from_solutions=True)
    submissions.write(course, honest)
    (course / "submitted" / "honest" / ASSIGNMENT / "canary.txt").write_text(TOKEN)
    pipeline.grade(course, ASSIGNMENT, limits=LIMITS)
    alone = pipeline.cell_scores(course, ASSIGNMENT, "honest")[NOTEBOOK]

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    plans = attacks(course, port)
    for student, plan in plans.items():
        _write(course, student, plan)
    before = _tree_hash(course)
    watcher = _ProcessWatcher()
    watcher.start()
    started = time.monotonic()
    try:
        report = pipeline.grade(course, ASSIGNMENT, limits=LIMITS)
    finally:
        watcher.stop.set()
        watcher.join()
    seconds = time.monotonic() - started
    connections = 0
    while True:
        try:
            listener.accept()[0].close()
            connections += 1
        except BlockingIOError:
            break
    listener.close()
    pipeline.feedback(course, ASSIGNMENT)
    scores = {s: pipeline.cell_scores(course, ASSIGNMENT, s).get(NOTEBOOK, {}) for s in [*plans, "honest"]}
    feedback = {}
    for student in scores:
        page = course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        feedback[student] = variants.html_text(page.read_text()) if page.exists() else ""
    return Batch(course, report, scores, alone, seconds, watcher.max, connections, before, _tree_hash(course),
                 feedback, port)


def assert_graded_with_zero(batch: Batch, student: str) -> None:
    """Every test cell was graded for ``student``, and none gave a point."""
    scores = batch.scores[student]
    assert sorted(scores) == sorted(TEST_CELLS), f"{student} was not graded: {batch.report.failed}"
    assert sum(s for s, _ in scores.values()) == 0, scores

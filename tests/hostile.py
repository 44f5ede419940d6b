"""A class of hostile submissions graded in one batch beside an honest one, through the grading path.

Every attacker hands in the sigmoid notebook with a *wrong* Sigmoid (it returns
its input), so any point it earns was forged. The batch runs in a scratch course
holding canary files with a unique token where a kernel must never reach
(the course root, solutions, another student's submission); a listener on
loopback records any connection; a watcher counts the sandbox uids' processes,
another measures the disk the batch's run folders use. Used by tests/test_sandbox.py
(issues 7, 16 and 24) and tests/test_tampering.py (issues 8 and 17).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.grading import pipeline
from grader.authoring import submissions, batch as variants
from grader.grading.jobs import default_workers
from grader.grading.sandbox import UID_BASE, UID_SLOTS, Limits, job_mount_source

from .course_data import COURSE

ASSIGNMENT, NOTEBOOK = "05-activaciones", "sigmoide"
INIT_ASSIGNMENT, INIT_NOTEBOOK = "03-inicializacion", "inicializacion"   # initializers take a generator
INIT_CELLS = ["test_init_xavier_uniform", "test_init_xavier_normal", "test_init_kaiming_uniform",
              "test_init_kaiming_normal", "test_init_kaiming_hyperparameters", "test_init_lecun_normal"]
LIMITS = Limits(cell_seconds=8.0, notebook_seconds=60.0, output_bytes=64 * 1024)
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


# Earns points only if instructor-side code could be loaded (the answer turns right then).
INSTRUCTOR_IMPORT = '''
import glob, importlib, importlib.util, sys
reached = []
for name in ("grader.grading.scoring", "grader.grading.sandbox", "grader.authoring.catalog", "grader.grading"):
    try:
        importlib.import_module(name)
        reached.append(name)
    except ImportError:
        pass
for path in glob.glob("/opt/**/scoring.py", recursive=True) + glob.glob(sys.prefix + "/**/grading/*.py", recursive=True):
    try:
        spec = importlib.util.spec_from_file_location("stolen", path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        reached.append(path)
    except Exception:
        pass
'''
RIGHT_IF_REACHED = '''
if reached:
    class Sigmoid:
        def forward(self, x):
            self.out = 1.0 / (1.0 + __import__("numpy").exp(-x))
            return self.out

        def backward(self, grad_output):
            return grad_output * self.out * (1.0 - self.out)
'''


# Issue 17: a sigmoid whose forward is right, but whose every exception, warning and returned object
# carries what it can read of the hidden tests: the test cells' source (`In`) and the running check
# (its cases: seeds, shapes, scales, values) on the call stack. Without the leak it scores the same.
LEAKY = '''
import re, warnings
import numpy as np

# Built names keep this cell past the audit (it only reports them): the audit is evidence, not a barrier,
# and the leak must be stopped by what the scorer lets into the feedback.
_frames = getattr(__import__("s" + "ys"), "_get" + "frame")

def _running():
    frame = _frames(1)
    while "check" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals["check"]

def _leak():
    history = " ".join(get_ipython().user_ns.get("In", []))
    marker = "BEGIN " + "HIDDEN"                        # (the page shows this code: no marker in it)
    return " ".join([repr(_running())] + re.findall(marker + r" TESTS(.*?)### END", history, re.S))

class Sigmoid:
    def forward(self, x):
        warnings.warn(_leak(), RuntimeWarning)             # visible stability check: a warning's text
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, grad_output):
        leak, check = _leak(), _running()
        digits = "_".join(re.findall(r"\\d+", leak))[:200]
        if check.hidden:                                   # hidden backward: a class name
            return type("Leak_" + digits, (), {"__repr__": lambda self: leak})()
        if check.kind == "numerical_gradient":             # visible: an exception's name and message
            raise type("Leak_" + digits, (ValueError,), {})(leak)
        return grad_output * self.out * (1.0 - self.out)
'''
LEAKY_SCORES = {"test_sigmoid_forward": (2, 2), "test_sigmoid_backward": (0, 2),
                "test_sigmoid_numerical_gradient": (0, 1), "test_sigmoid_stability": (0, 1)}


def planted(port: int) -> str:
    """HTML that, if it ever ran or loaded in a browser, would mark the page and call the listener."""
    return (f'<script>window.pwned = 1; document.title = "pwned"; fetch("http://127.0.0.1:{port}/script")</script>'
            f'<img src="http://127.0.0.1:{port}/img" onerror="window.pwned = 2">')


def _script_injection(port: int):
    """A right answer, a heading of the student's own holding the planted HTML, and HTML/JS outputs."""
    def write(course: Path, target: Path) -> None:
        nb = nbformat.reads(submissions.build(course, submissions.Submission(
            "script_injection", ASSIGNMENT, NOTEBOOK, {}, from_solutions=True)), as_version=4)
        cells = {submissions.grade_id(c): c for c in nb.cells}
        cells["sigmoid_layer"].source += (
            "\n\nfrom IPython.display import HTML, Javascript, display\n"
            f"display(HTML({planted(port)!r}))\ndisplay(Javascript('window.pwned = 3'))\n")
        nb.cells.insert(nb.cells.index(cells[TEST_CELLS[0]]),
                        nbformat.v4.new_markdown_cell(f"## Mis pruebas {planted(port)}"))
        target.write_text(nbformat.writes(nb))
    return write

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
    disk: "_DiskWatcher | None" = None              # disk used by the batch's run folders
    workers: int = 1
    init_scores: dict = field(default_factory=dict)  # student -> {grade_id: (score, max)} in the initializers
    init_feedback: dict = field(default_factory=dict)


def _tree_hash(course: Path) -> str:
    """Everything in the course that grading must not change (its outputs excluded)."""
    digest = hashlib.sha256()
    skip = {"autograded", "feedback", "reports", "exports", "gradebook.db", "gradebook.db-journal"}
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


class _DiskWatcher(threading.Thread):
    """Samples the disk grading uses: this process's run-folder tmpfs mounts, and the filesystem of /tmp."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_total = self.peak_one = 0      # bytes in use on all run folders' tmpfs at once, on one
        self.mounts = 0                          # most run folders mounted at once
        self.size = 0                            # one run folder's tmpfs size
        self.host_before = self.host_peak = shutil.disk_usage("/tmp").used

    def run(self):
        source = job_mount_source()
        while not self.stop.is_set():
            total = count = 0
            for line in Path("/proc/self/mountinfo").read_text().splitlines():
                fields = line.split(" - ", 1)[-1].split()
                if len(fields) >= 3 and fields[0] == "tmpfs" and fields[1] == source:
                    size = re.search(r"size=(\d+)k", fields[2])
                    try:
                        info = os.statvfs(line.split()[4])
                    except OSError:
                        continue
                    if not size or info.f_blocks * info.f_frsize != int(size.group(1)) * 1024:
                        continue                 # unmounted meanwhile: that was /tmp's own filesystem
                    used = (info.f_blocks - info.f_bfree) * info.f_frsize
                    self.size = info.f_blocks * info.f_frsize
                    total, count = total + used, count + 1
                    self.peak_one = max(self.peak_one, used)
            self.peak_total, self.mounts = max(self.peak_total, total), max(self.mounts, count)
            self.host_peak = max(self.host_peak, shutil.disk_usage("/tmp").used)
            time.sleep(0.02)


def _literal(array) -> str:
    """Python source for an array, exact to the last bit."""
    return f"np.array([float.fromhex(v) for v in {[float(v).hex() for v in array.ravel()]!r}]).reshape({array.shape})"


def _wrong_on(hidden_input) -> dict:
    """A right sigmoid, except on exactly one input (the first hidden forward case it was told)."""
    return answer("", f"""
import numpy as np

TOLD = {_literal(hidden_input)}

class Sigmoid:
    def forward(self, x):
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        if x.shape == TOLD.shape and np.array_equal(x, TOLD):
            return 2.0 * x
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)
""")


def hidden_forward_input(course: Path, student: str | None):
    """The first hidden forward case of the sigmoid notebook: as written (None) or as derived for ``student``."""
    from grader.grading import seeds
    from grader.checks.cases import Case
    seed = 9173 if student is None else seeds.derive(seeds.read_secret(course), ASSIGNMENT, NOTEBOOK,
                                                     "test_sigmoid_forward", student, 0)
    return Case((1,), "float64", seed, 30.0).inputs()[0]


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
        # Issue 24: 2 GB in 16 MB files (RLIMIT_FSIZE is per file), going on after "no space left".
        "disk": answer('''
import os, time
started, full_after = time.monotonic(), None
for i in range(128):
    try:
        with open(f"lleno{i:03d}.bin", "wb") as f:
            f.write(b"x" * 2**24)
    except OSError:
        full_after = full_after or time.monotonic() - started
written = sum(os.path.getsize(name) for name in os.listdir(".") if name.startswith("lleno"))
print(f"DISK written={written} full_after={full_after} seconds={time.monotonic() - started}")
'''),
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
            "import grader, grader.checks.layer_checks\n"
            "def nothing(*args, **kwargs):\n    print('Correcto')\n"
            "for f in (grader.check_forward, grader.check_backward, grader.check_numerical_gradient,\n"
            "          grader.check_stability, grader.checks.layer_checks.run, grader.checks.layer_checks.observe):\n"
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
        # Issue 16: the instructor's half of the package cannot be imported in a kernel, by name or by file.
        "instructor_import": answer(INSTRUCTOR_IMPORT, WRONG + RIGHT_IF_REACHED),
        # Issue 17
        "symlinked_observations": "symlinked_observations",
        # Issue 18: observations the kernel makes about itself are evidence, not proof.
        "cleared_warnings": answer("", '''
import warnings
import numpy as np

class Sigmoid:
    def forward(self, x):
        np.seterr(all="ignore")
        warnings.simplefilter("ignore")
        e = np.exp(x)
        self.out = e / (1.0 + e)
        return self.out

    def backward(self, grad_output):
        return grad_output * self.out * (1.0 - self.out)
'''),
        "forged_samples": answer(
            "import grader.checks.layer_checks as observer\n_call = observer._call\n"
            "def forged(obs, name, fn, *args):\n"
            "    if name != 'numeric':\n        return _call(obs, name, fn, *args)\n"
            "    obs.arrays[name] = 0.5 * args[0]   # f(x ± h) consistent with backward = 0.5 * g\n"
            "    return obs.arrays[name]\n"
            "observer._call = forged"),
        "zero_layer": answer("", '''
import numpy as np

class Sigmoid:
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, grad_output):
        return np.zeros_like(grad_output)
'''),
        "told_literal_case": _wrong_on(hidden_forward_input(course, None)),
        "told_own_case": _wrong_on(hidden_forward_input(course, "told_own_case")),

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
        # Issue 17
        "leak": answer("", LEAKY),
        "script_injection": _script_injection(port),
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


def _forge(course: Path, forged: Path) -> None:
    """Observation folders of the reference solution, for every check of the graded notebook in order.

    What an attacker could bring from home (there, with PyTorch, anything can be
    computed) and hand in beside the notebook: plain files that stay in submitted/.
    """
    import contextlib
    import io

    import numpy as np

    import grader
    from grader.checks import observations
    from grader.grading.scoring import is_test_cell
    nb = nbformat.read(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    scope = {"np": np, "grader": grader}
    exec(submissions.solution_answers(course, ASSIGNMENT, NOTEBOOK)["sigmoid_layer"], scope)  # noqa: S102
    os.environ[observations.OBSERVE_ENV] = str(forged)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in nb.cells:
                if is_test_cell(cell):
                    exec(cell.source, scope)  # noqa: S102 - our own test cells
    finally:
        del os.environ[observations.OBSERVE_ENV]


def _symlink_attack(forged: Path) -> str:
    """Each check's observation folder becomes a link to a forged one, named through /proc/self/cwd.

    The kernel does not know where the course is, but the scorer's working folder
    is (usually the course root): ``/proc/self/cwd/...`` is resolved by whoever
    follows the link. Here the scorer runs in pytest's folder, hence the ``..``.
    """
    target = "/proc/self/cwd/" + os.path.relpath(forged, os.getcwd())
    return ("import os\nimport grader.checks.observations as observed\ncount = [0]\n"
            "def save(observations, declaration):\n    root = observed.folder()\n"
            "    root.mkdir(parents=True, exist_ok=True)\n"
            f"    os.symlink({target!r} + '/%05d' % count[0], root / ('%05d' % len(os.listdir(root))))\n"
            "    count[0] += 1\n    return root\n"
            "observed.save = save")


def _write(course: Path, student: str, plan) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    target = folder / f"{NOTEBOOK}.ipynb"
    if callable(plan):
        plan(course, target)
    elif isinstance(plan, dict):
        target.write_text(submissions.build(course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, plan)))
    elif plan == "shadow":
        target.write_text(submissions.build(course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, {},
                                                                           from_solutions=True)))
        stub = "def __getattr__(name):\n    return lambda *a, **k: print('Correcto')\n"
        for name in ("grader.py", "numpy.py", "torch.py"):
            (folder / name).write_text(stub)
    elif plan == "symlinked_observations":
        _forge(course, folder / "forged")
        target.write_text(submissions.build(course, submissions.Submission(
            student, ASSIGNMENT, NOTEBOOK, answer(_symlink_attack(folder / "forged")))))
    elif plan == "invalid_json":
        target.write_text('{"cells": [ esto no es JSON')
    elif plan == "renamed_notebook":
        (folder / "Sigmoide (1).ipynb").write_text(submissions.build(
            course, submissions.Submission(student, ASSIGNMENT, NOTEBOOK, {}, from_solutions=True)))
    else:
        target.write_text(_restructure(release, plan))


def scratch(root: Path) -> Path:
    """A course with only the sigmoid and initializer notebooks, released, plus canaries."""
    course = root / "course"
    course.mkdir(parents=True)
    shutil.copy2(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    for assignment, notebook in ((ASSIGNMENT, NOTEBOOK), (INIT_ASSIGNMENT, INIT_NOTEBOOK)):
        (course / "source" / assignment).mkdir(parents=True)
        shutil.copy2(COURSE / "source" / assignment / f"{notebook}.ipynb", course / "source" / assignment)
        pipeline.release(course, assignment)
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
    watcher, disk = _ProcessWatcher(), _DiskWatcher()
    watcher.start()
    disk.start()
    started = time.monotonic()
    try:
        report = pipeline.grade(course, ASSIGNMENT, limits=LIMITS)
    finally:
        for thread in (watcher, disk):
            thread.stop.set()
            thread.join()
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
    pipeline.export(course, course / "exports" / "grades.csv")
    scores = {s: pipeline.cell_scores(course, ASSIGNMENT, s).get(NOTEBOOK, {}) for s in [*plans, "honest"]}
    feedback = {}
    for student in scores:
        feedback[student] = _page_text(course, ASSIGNMENT, NOTEBOOK, student)
    batch = Batch(course, report, scores, alone, seconds, watcher.max, connections, before, _tree_hash(course),
                  feedback, port, disk, default_workers())
    _grade_initializers(batch)
    return batch


def initializer_attacks(course: Path) -> dict:
    """Initializers that draw from NumPy's global generator, beside the reference answer."""
    right = submissions.solution_answers(course, INIT_ASSIGNMENT, INIT_NOTEBOOK)["init_initializers"]
    global_rng = right.replace("rng.uniform(", "np.random.uniform(").replace("rng.normal(", "np.random.normal(")
    assert global_rng != right
    return {
        "honest_init": {},
        # Reseeding the global generator makes two equally seeded calls agree, whatever the seed.
        "global_rng_reseeded": {"init_initializers": "import numpy as np\n" + global_rng.replace(
            "    return np.random.", "    np.random.seed(1234)\n    return np.random.")},
        # The old observer's claim ("two equally seeded calls agree"), set from the answer cell.
        "global_rng_claiming": {"init_initializers": "import numpy as np\nimport grader.checks.task_checks as observer\n"
                                "observer.TaskObservation.repeatable = property(lambda self: True, "
                                "lambda self, value: None)\n" + global_rng},
    }


def _grade_initializers(batch: Batch) -> None:
    course = batch.course
    plans = initializer_attacks(course)
    for student, cells in plans.items():
        submissions.write(course, submissions.Submission(student, INIT_ASSIGNMENT, INIT_NOTEBOOK, cells,
                                                         from_solutions=True))
    pipeline.grade(course, INIT_ASSIGNMENT, limits=LIMITS)
    pipeline.feedback(course, INIT_ASSIGNMENT)
    for student in plans:
        batch.init_scores[student] = pipeline.cell_scores(course, INIT_ASSIGNMENT, student).get(INIT_NOTEBOOK, {})
        batch.init_feedback[student] = _page_text(course, INIT_ASSIGNMENT, INIT_NOTEBOOK, student)


def _page_text(course: Path, assignment: str, notebook: str, student: str) -> str:
    """The visible text of a feedback page; if nbgrader wrote none, why (so that a failing test says it)."""
    page = course / "feedback" / student / assignment / f"{notebook}.html"
    if page.exists():
        return variants.html_text(page.read_text())
    from grader.grading.nbgrader_cli import nbgrader
    again = nbgrader(course, "generate_feedback", assignment, f"--student={student}", "--force", check=False)
    graded = (course / "autograded" / student / assignment / f"{notebook}.ipynb").exists()
    tail = " | ".join((again.stdout + again.stderr).splitlines()[-8:])
    return f"[NO FEEDBACK PAGE: autograded={graded}; a second generate_feedback exited {again.returncode}: {tail}]"


def assert_graded_with_zero(batch: Batch, student: str) -> None:
    """Every test cell was graded for ``student``, and none gave a point."""
    scores = batch.scores[student]
    assert sorted(scores) == sorted(TEST_CELLS), f"{student} was not graded: {batch.report.failed}"
    assert sum(s for s, _ in scores.values()) == 0, scores

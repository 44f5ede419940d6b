"""Whose notebook is each file of an LMS's "download all submissions" zip (Moodle, Canvas)?

nbgrader's ``zip_collect`` extracts the zip and asks a collector plugin, file by file, for the
student id and the notebook. ``LmsCollector`` answers from the names Moodle and Canvas give
the files, decides every file of the download at once (so that two files for the same student
and notebook are settled by a rule instead of stopping nbgrader), and writes what it placed and
what it could not place, with the reason, to a JSON report for ``python -m grader import-zip``.

Moodle (mod/assign, "Download all submissions"): ``{full name}_{participant id}_assignsubmission_file``
is a folder holding the student's files (Moodle >= 3.1, default; older versions add a final ``_``),
or a prefix of every file name when "download submissions in folders" is off:
``Ana Pérez_12345_assignsubmission_file_sigmoide.ipynb``. The number is the participant id of
*that* assignment (it differs between assignments); with blind marking the name is ``Participant``.

Canvas ("Download submissions"): ``{sortable name, lower case, no punctuation}[_LATE]_{user id}_
{file id}_{file name}``, e.g. ``perezana_LATE_12345_67890_sigmoide.ipynb``; anonymous grading
gives ``anon_{id}_{file id}_{file name}``. Canvas renames a file uploaded again ``sigmoide-1.ipynb``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import find_all_notebooks
from traitlets import Enum, Unicode

from .zip_import import LMS_CHOICES, load_roster

# Moodle's submission plugins: "file" (uploads), "onlinetext" (text typed in Moodle), …
MOODLE_FILE = re.compile(r"^(?P<who>.+?)_(?P<lms_id>\d+)_assignsubmission_[a-z]+_(?P<name>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<who>.+?)_(?P<lms_id>\d+)_assignsubmission_[a-z]+_?$")
CANVAS_FILE = re.compile(
    r"^(?:(?P<late_anon>LATE_)?(?P<anon>anon_[A-Za-z0-9]+)|(?P<who>.+?)(?P<late>_LATE)?_(?P<lms_id>\d+))"
    r"_(?P<upload>\d+)_(?P<name>.+)$")
# What browsers and Canvas add to a file saved or uploaded again: "sigmoide (1)", "sigmoide-1".
COPY_SUFFIX = re.compile(r"^(?P<base>.+?)(?: ?\((?P<paren>\d+)\)|-(?P<dash>\d+))$")


@dataclass(frozen=True)
class LmsName:
    """What an LMS file name says: who handed it in, and the name the student gave the file."""
    lms: str           # "moodle" or "canvas"
    lms_id: str        # Moodle participant id, Canvas user id (or "anon_…")
    filename: str
    upload: int = 0    # Canvas file id: Canvas numbers uploads in order, so higher = later
    late: bool = False


def parse_name(name: str, lms: str = "auto") -> LmsName | None:
    """One file name (or a folder named like one) in the LMS's conventions; None if neither."""
    if lms in ("auto", "canvas") and (m := CANVAS_FILE.match(name)):
        return LmsName("canvas", m["lms_id"] or m["anon"], m["name"], int(m["upload"]),
                       bool(m["late"] or m["late_anon"]))
    if lms in ("auto", "moodle"):
        if m := MOODLE_FILE.match(name):
            return LmsName("moodle", m["lms_id"], m["name"])
    return None


def parse_path(path: PurePosixPath, lms: str = "auto") -> LmsName | None:
    """A file of the extracted zip: who handed it in, from its path.

    A Moodle per-student folder decides; else the file's own name; else the nearest folder
    named like a submission file (a zip the student handed in: nbgrader extracts it into a
    folder named after it).
    """
    folders = list(reversed(path.parent.parts))
    if lms in ("auto", "moodle"):
        # A Moodle per-student folder is unambiguous: it decides, whatever the file is called.
        for folder in folders:
            if m := MOODLE_FOLDER.match(folder):
                return LmsName("moodle", m["lms_id"], path.name)
    found = parse_name(path.name, lms)
    if found:
        return found
    for folder in folders:
        found = parse_name(folder, lms)
        if found:
            return LmsName(found.lms, found.lms_id, path.name, found.upload, found.late)
    return None


def notebook_of(filename: str, released: set[str]) -> tuple[str, int] | None:
    """(release notebook name, copy number) of a handed-in file name, or None."""
    stem, ext = os.path.splitext(filename)
    if ext != ".ipynb":
        return None
    if stem in released:
        return stem, 0
    m = COPY_SUFFIX.match(stem)
    if m and m["base"] in released:
        return m["base"], int(m["paren"] or m["dash"])
    return None


@dataclass
class Candidate:
    path: str
    student: str
    notebook: str
    rank: tuple
    late: bool


@dataclass
class Plan:
    """Where every extracted file goes: placed (student, notebook) or skipped with a reason."""
    placed: dict      # relative path -> (student id, notebook)
    skipped: dict     # relative path -> reason (English, for the instructor)
    late: set = field(default_factory=set)   # placed paths the LMS marked late (Canvas "_LATE_")

    def to_json(self) -> dict:
        return {"placed": [{"file": f, "student": s, "notebook": n, "late": f in self.late}
                           for f, (s, n) in sorted(self.placed.items())],
                "skipped": [{"file": f, "reason": r} for f, r in sorted(self.skipped.items())]}


def plan(files: list[str], released: set[str], lms: str = "auto",
         roster: dict[str, str] | None = None) -> Plan:
    """Decide every file at once.

    Duplicates (two files for the same student and notebook): the latest upload is kept — the
    higher Canvas file id, else the higher copy number ("sigmoide (2)" > "sigmoide (1)" >
    "sigmoide"), else the file nearest the top of the zip; every other one is reported.
    """
    convention = {"auto": "the Moodle or the Canvas", "moodle": "the Moodle",
                  "canvas": "the Canvas"}[lms] + " naming convention"
    skipped, candidates = {}, {}
    for rel in sorted(files):
        path = PurePosixPath(rel)
        if "__MACOSX" in path.parts or path.name.startswith("._"):
            skipped[rel] = "macOS metadata, not a submission"
            continue
        name = parse_path(path, lms)
        if name is None:
            skipped[rel] = f"name does not follow {convention}"
            continue
        found = notebook_of(name.filename, released)
        if found is None:
            if not name.filename.endswith(".ipynb"):
                skipped[rel] = f"not a notebook ({name.filename})"
            else:
                skipped[rel] = (f"{name.filename} is not a notebook of this assignment "
                                f"(expected {', '.join(f'{n}.ipynb' for n in sorted(released))})")
            continue
        notebook, copy = found
        student = name.lms_id if roster is None else roster.get(name.lms_id)
        if student is None:
            skipped[rel] = f"{name.lms} id {name.lms_id} is not in the roster"
            continue
        rank = (name.upload, copy, -len(path.parts))
        candidates.setdefault((student, notebook), []).append(Candidate(rel, student, notebook, rank, name.late))
    placed, late = {}, set()
    for (student, notebook), group in candidates.items():
        kept = max(group, key=lambda c: c.rank)   # first of equals: paths are sorted
        placed[kept.path] = (student, notebook)
        if kept.late:
            late.add(kept.path)
        for other in group:
            if other is not kept:
                why = "the later upload" if kept.rank[:2] > other.rank[:2] else "nearest the top of the zip"
                skipped[other.path] = (f"duplicate: {student} handed in {notebook}.ipynb more than once; "
                                       f"kept {kept.path} ({why})")
    return Plan(placed, skipped, late)


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect plugin for Moodle and Canvas downloads (see the module docstring).

    nbgrader zip_collect ASSIGNMENT --collector=grader.grading.lms.LmsCollector [--LmsCollector.lms=moodle]
    """

    lms = Enum(list(LMS_CHOICES), default_value="auto",
               help="Which LMS named the files (auto: recognise both).").tag(config=True)
    roster = Unicode("", help="CSV with columns id,lms_id mapping LMS ids to course student ids; "
                              "without it the LMS id is the student id.").tag(config=True)
    report = Unicode("", help="Where to write the JSON report of placed and skipped files.").tag(config=True)

    _plan: Plan | None = None
    _root: str = ""

    def _extracted_root(self) -> str:
        app = self.parent   # the ZipCollectApp that created this plugin
        return app._format_collect_path(app.extracted_directory)

    def _make_plan(self) -> Plan:
        coursedir = self.parent.coursedir
        released_dir = coursedir.format_path(coursedir.release_directory, ".", coursedir.assignment_id)
        released = {os.path.splitext(nb)[0] for nb in find_all_notebooks(released_dir)}
        self._root = self._extracted_root()
        files = [os.path.relpath(os.path.join(d, f), self._root).replace(os.sep, "/")
                 for d, _, names in os.walk(self._root) for f in names]
        result = plan(files, released, self.lms, load_roster(self.roster) if self.roster else None)
        if self.report:
            Path(self.report).write_text(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        for rel, reason in sorted(result.skipped.items()):
            self.log.warning("Not placed: %s: %s", rel, reason)
        return result

    def collect(self, submitted_file: str) -> dict | None:
        if self._plan is None:
            self._plan = self._make_plan()
        rel = os.path.relpath(submitted_file, self._root).replace(os.sep, "/")
        if rel not in self._plan.placed:
            return None
        student, notebook = self._plan.placed[rel]
        return {"student_id": student, "file_id": f"{notebook}.ipynb"}

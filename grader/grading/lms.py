"""Whose notebook is each file of an LMS's "download all submissions" zip (Moodle, Canvas)?

nbgrader's ``zip_collect`` extracts the zip (with ``grader.grading.archives.SafeExtractor``) and asks a
collector plugin, file by file, for the student id and the notebook. ``LmsCollector`` answers
from the names Moodle and Canvas give the files, decides every file of the download at once (so
that two files for the same student and notebook are settled by a rule instead of stopping
nbgrader), and writes what it placed and what it could not place, with the reason, to a JSON
report for ``python -m grader import-zip``.

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

from .archives import macos_metadata
from .escape import printable
from .zip_import import LMS_CHOICES, load_roster

# Moodle's submission plugins: "file" (uploads), "onlinetext" (text typed in Moodle), …
MOODLE_FILE = re.compile(r"^(?P<who>.+?)_(?P<lms_id>\d+)_assignsubmission_[a-z]+_(?P<name>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<who>.+?)_(?P<lms_id>\d+)_assignsubmission_[a-z]+_?$")
CANVAS_FILE = re.compile(
    r"^(?:(?P<late_anon>LATE_)?(?P<anon>anon_[A-Za-z0-9]+)|(?P<who>.+?)(?P<late>_LATE)?_(?P<lms_id>\d+))"
    r"_(?P<upload>\d+)_(?P<name>.+)$")
# What browsers and Canvas add to a file saved or uploaded again: "sigmoide (1)", "sigmoide-1".
COPY_SUFFIX = re.compile(r"^(?P<base>.+?)(?: ?\(\d+\)|-\d+)$")


@dataclass(frozen=True)
class LmsName:
    """What an LMS file name says: who handed it in, and the name the student gave the file."""
    lms: str           # "moodle" or "canvas"
    lms_id: str        # Moodle participant id, Canvas user id (or "anon_…")
    filename: str
    upload: int = 0    # Canvas file id: Canvas numbers uploads in order, so higher = later; 0: none
    late: bool = False
    posing_as: str = ""   # a name the student chose that looks like another student's LMS name


def parse_name(name: str, lms: str = "auto") -> LmsName | None:
    """One file name (or a folder named like one) in the LMS's conventions; None if neither."""
    if lms in ("auto", "canvas") and (m := CANVAS_FILE.match(name)):
        return LmsName("canvas", m["lms_id"] or m["anon"], m["name"], int(m["upload"]),
                       bool(m["late"] or m["late_anon"]))
    if lms in ("auto", "moodle"):
        if m := MOODLE_FILE.match(name):
            return LmsName("moodle", m["lms_id"], m["name"])
    return None


def _owner(part: str, lms: str) -> LmsName | None:
    """A path component named by the LMS: a Moodle per-student folder, or a file (or the folder
    nbgrader extracts a handed-in zip into) named in either convention."""
    if lms in ("auto", "moodle") and (m := MOODLE_FOLDER.match(part)):
        return LmsName("moodle", m["lms_id"], "")
    return parse_name(part, lms)


def parse_path(path: PurePosixPath, lms: str = "auto") -> LmsName | None:
    """A file of the extracted zip: who handed it in, from its path.

    The owner is the outermost component the LMS named (a Moodle per-student folder, a submission
    file, the folder a handed-in zip is extracted into): everything below it, and the part of its
    name the student chose, is the student's own naming and is never read as an LMS name — a file
    called like a classmate's inside one's own zip stays one's own, and is flagged (``posing_as``).
    """
    parts = path.parts
    for i, part in enumerate(parts):
        owner = _owner(part, lms)
        if owner is None:
            continue
        chosen = [owner.filename, *parts[i + 1:]] if owner.filename else list(parts[i + 1:])
        posing = next((c for c in chosen if (other := _owner(c, lms)) and other.lms_id != owner.lms_id), "")
        filename = path.name if i < len(parts) - 1 else owner.filename
        return LmsName(owner.lms, owner.lms_id, filename, owner.upload, owner.late, posing)
    return None


def notebook_of(filename: str, released: set[str]) -> str | None:
    """The release notebook a handed-in file name is (a copy of), or None. The copy number ranks
    nothing: the student typed it."""
    stem, ext = os.path.splitext(filename)
    if ext != ".ipynb":
        return None
    if stem in released:
        return stem
    m = COPY_SUFFIX.match(stem)
    return m["base"] if m and m["base"] in released else None


@dataclass
class Candidate:
    path: str
    upload: int   # Canvas file id, 0 if the LMS gives none (Moodle)
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

    def write(self, path: str | Path) -> None:
        """The JSON report; names stay as they are (data), whoever prints them escapes them."""
        Path(path).write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8", errors="backslashreplace")


def plan(files: list[str], released: set[str], lms: str = "auto",
         roster: dict[str, str] | None = None) -> Plan:
    """Decide every file at once.

    Duplicates (two files for the same student and notebook): the latest upload is kept, by the
    Canvas file id (the LMS's number, which the student does not choose). Where there is no such
    order — Moodle gives none, and files of one handed-in zip share their zip's id — nothing is
    placed for that notebook and every copy is reported: the instructor decides, not the file names.
    """
    convention = {"auto": "the Moodle or the Canvas", "moodle": "the Moodle",
                  "canvas": "the Canvas"}[lms] + " naming convention"
    skipped, candidates = {}, {}
    for rel in sorted(files):
        path = PurePosixPath(rel)
        if macos_metadata(path):
            skipped[rel] = "macOS metadata, not a submission"
            continue
        name = parse_path(path, lms)
        if name is None:
            skipped[rel] = f"name does not follow {convention}"
            continue
        if name.posing_as:
            skipped[rel] = (f"handed in by {name.lms} id {name.lms_id} under a name that looks like another "
                            f"student's LMS name ({name.posing_as}): not placed for anyone; what a student "
                            f"hands in is theirs, names inside it are not obeyed")
            continue
        notebook = notebook_of(name.filename, released)
        if notebook is None:
            if not name.filename.endswith(".ipynb"):
                skipped[rel] = f"not a notebook ({name.filename})"
            else:
                skipped[rel] = (f"{name.filename} is not a notebook of this assignment "
                                f"(expected {', '.join(f'{n}.ipynb' for n in sorted(released))})")
            continue
        student = name.lms_id if roster is None else roster.get(name.lms_id)
        if student is None:
            skipped[rel] = f"{name.lms} id {name.lms_id} is not in the roster"
            continue
        candidates.setdefault((student, notebook), []).append(Candidate(rel, name.upload, name.late))
    placed, late = {}, set()
    for (student, notebook), group in candidates.items():
        latest = max(c.upload for c in group)
        kept = [c for c in group if c.upload == latest]
        if len(kept) > 1:
            why = ("Moodle gives no upload order" if latest == 0 else
                   f"{len(kept)} of them came in one upload, Canvas file id {latest}")
            for c in group:
                skipped[c.path] = (f"duplicate: {student} handed in {notebook}.ipynb more than once and "
                                   f"{why}: none placed; copy the right one to submitted/ by hand")
            continue
        placed[kept[0].path] = (student, notebook)
        if kept[0].late:
            late.add(kept[0].path)
        for other in group:
            if other is not kept[0]:
                skipped[other.path] = (f"duplicate: {student} handed in {notebook}.ipynb more than once; "
                                       f"kept {kept[0].path} (the later upload)")
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
        # what the extractor refused (grader.grading.archives.SafeExtractor): never extracted, still reported
        result.skipped.update(getattr(self.parent.extractor_plugin_inst, "problems", {}))
        if self.report:
            result.write(self.report)
        for rel, reason in sorted(result.skipped.items()):
            self.log.warning("Not placed: %s: %s", printable(rel), printable(reason))
        return result

    def collect(self, submitted_file: str) -> dict | None:
        if self._plan is None:
            self._plan = self._make_plan()
        rel = os.path.relpath(submitted_file, self._root).replace(os.sep, "/")
        if rel not in self._plan.placed:
            return None
        student, notebook = self._plan.placed[rel]
        return {"student_id": student, "file_id": f"{notebook}.ipynb"}

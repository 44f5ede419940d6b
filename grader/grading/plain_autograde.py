"""Plain ``nbgrader autograde`` — and formgrader's Autograde button, which runs it — refuses in this course.

It would run a submission unsandboxed, as the instructor, with the checks in the
student's own kernel, where student code can forge a pass. ``nbgrader_config.py``
makes this exporter ``Autograde``'s: it is built before any file or gradebook
entry is touched, and refuses with the command to use instead. The course's
grading path (``python -m grader grade``) does its own bookkeeping and never uses it.
"""

from __future__ import annotations

from nbconvert.exporters import NotebookExporter
from nbgrader.converters.base import NbGraderException
from traitlets import Bool

MESSAGE = (
    "Plain `nbgrader autograde` (and formgrader's Autograde button) is disabled in this course: it would run "
    "each submission unsandboxed, as you, with the checks inside the student's kernel, where student code can "
    "forge a pass. Grade with:  python -m grader grade <assignment>  (then formgrader shows the result). "
    "| En este curso se califica con «python -m grader grade <tarea>»; el botón Autograde de formgrader y "
    "«nbgrader autograde» están desactivados. "
    "To run plain nbgrader anyway, at your own risk: nbgrader autograde <assignment> --AutogradeRefused.allow=True"
)


class AutogradeRefused(NotebookExporter):
    """``Autograde.exporter_class`` of the course: refuses unless ``allow`` is set."""

    allow = Bool(False, help="Let plain nbgrader autograde run (unsandboxed; checks in the student's kernel).") \
        .tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.allow:
            log = getattr(self.parent, "log", None)
            if log is not None:
                log.error(MESSAGE)
            raise NbGraderException(MESSAGE)

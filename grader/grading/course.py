"""Where a course keeps its notebooks, submissions and gradebook: nbgrader's own ``CourseDirectory``.

One source of truth for the layout. An instructor may rename ``submitted``,
``autograded``, ``feedback`` or the gradebook in ``nbgrader_config.py``; plain
nbgrader commands follow that file, so every part of this package asks this
module instead of spelling a folder name. The course's own folders, which
nbgrader does not know (``reports/``, ``exports/``), live beside them under the
course root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def load_config(root: Path):
    """The course's nbgrader configuration, with the root and a relative SQLite path made absolute."""
    root = Path(root).resolve()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    db_url = str(config.CourseDirectory.get("db_url", "sqlite:///gradebook.db"))
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        db_url = f"sqlite:///{(root / db_url[len('sqlite:///'):]).resolve()}"
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.root = str(root)
    return config


@dataclass(frozen=True)
class Course:
    """A course root and its layout as nbgrader resolves it (``Course(root)`` reads the config once)."""

    root: Path
    coursedir: CourseDirectory

    @classmethod
    def at(cls, root) -> "Course":
        root = Path(root).resolve()
        return cls(root, CourseDirectory(config=load_config(root)))

    @property
    def config(self):
        return self.coursedir.config

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    @property
    def db_path(self) -> Path | None:
        """The gradebook's file when it is SQLite (else None: a server database)."""
        prefix = "sqlite:///"
        return Path(self.db_url[len(prefix):]) if self.db_url.startswith(prefix) else None

    def has_gradebook(self) -> bool:
        return self.db_path is None or self.db_path.exists()

    def step(self, step: str, student: str = ".", assignment: str = ".") -> Path:
        """nbgrader's path for a step folder, e.g. ``step("submitted", "ana", "05-activaciones")``."""
        name = getattr(self.coursedir, f"{step}_directory")
        return Path(self.coursedir.format_path(name, student, assignment)).resolve()

    def source(self, assignment: str = ".") -> Path:
        return self.step("source", ".", assignment)

    def release(self, assignment: str = ".") -> Path:
        return self.step("release", ".", assignment)

    def solutions(self, assignment: str = ".") -> Path:
        return self.step("solution", ".", assignment)

    def submitted(self, student: str = ".", assignment: str = ".") -> Path:
        return self.step("submitted", student, assignment)

    def autograded(self, student: str = ".", assignment: str = ".") -> Path:
        return self.step("autograded", student, assignment)

    def feedback(self, student: str = ".", assignment: str = ".") -> Path:
        return self.step("feedback", student, assignment)

    def zip_collect(self, assignment: str, step: str = "archive") -> Path:
        """Where ``nbgrader zip_collect`` reads LMS downloads (``step``: archive, extracted, or "" for the top)."""
        app = self.config.ZipCollectApp
        folders = {"archive": app.get("archive_directory", "archive"),
                   "extracted": app.get("extracted_directory", "extracted"), "": ""}
        structure = app.get("collect_directory_structure", "{downloaded}/{assignment_id}/{collect_step}")
        path = structure.format(downloaded=app.get("downloaded_directory", "downloaded"),
                                assignment_id=assignment, collect_step=folders[step])
        return (self.root / path).resolve()

    @property
    def reports(self) -> Path:
        """Instructor-only reports (never shown to students): the course's folder, not nbgrader's."""
        return self.root / "reports"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def timezone(self):
        """The zone the course shows dates in (``c.CourseTime.timezone``, default UTC)."""
        from zoneinfo import ZoneInfo
        return ZoneInfo(str(self.config.CourseTime.get("timezone", "UTC")))

    def local(self, when) -> str:
        """A gradebook datetime (naive UTC) as text in the course's zone, e.g. ``2026-11-01 13:00 CET``."""
        from datetime import timezone
        if when is None:
            return ""
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(self.timezone).strftime("%Y-%m-%d %H:%M %Z")

    def assignments(self) -> list[str]:
        """Assignment names, from the folders of the source step."""
        root = self.source()
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


__all__ = ["CONFIG_FILE", "Course", "load_config"]

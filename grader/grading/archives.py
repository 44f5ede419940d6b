"""Extract the LMS zip, and the zips students handed in inside it, without trusting them.

nbgrader's own extractor (setuptools' ``unpack_archive``) raises on the first entry that leaves the
folder (``../``) and then nothing is imported for anyone; it also writes whatever size an entry
claims to have. ``SafeExtractor`` is a drop-in for ``ZipCollectApp.extractor_plugin`` that writes
each entry itself and refuses, with a reason for the instructor:

- an entry whose name leaves the folder (``..``, an absolute path) or that is not a regular file;
- a zip bomb: an entry that inflates more than ``max_ratio`` times past 1 MiB, more than
  ``max_entries`` entries, or more than ``max_bytes`` written by the whole import;
- a zip that cannot be read (corrupt, truncated, wrong checksum), or one nested too deep.

In the LMS's zip (the instructor's download) a bad *entry* is skipped and the others extracted:
each entry is one student's file. A zip a student handed in is skipped *as a whole*: it belongs to
one student, and half of it would be a submission nobody made. Either way the rest of the class is
imported. ``problems`` maps the refused path (relative to the extracted folder) to the reason;
``grader.grading.lms.LmsCollector`` puts them in the import report.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from nbgrader.plugins import ExtractorPlugin
from traitlets import Int, Unicode

CHUNK = 1 << 16
RATIO_FLOOR = 1 << 20   # small entries may compress well (a notebook of zeros); only big ones are judged


def macos_metadata(path: PurePosixPath) -> bool:
    """What macOS adds to a zip it makes (``__MACOSX/``, ``._name``): no one's submission."""
    return "__MACOSX" in path.parts or path.name.startswith("._")


class BadArchive(Exception):
    """Why an archive, or one entry of it, is refused (English, for the instructor)."""


class SafeExtractor(ExtractorPlugin):
    """Extract ``*.zip`` of the archive folder, and zips inside them, refusing hostile entries."""

    max_bytes = Int(2 << 30, help="Most bytes the whole import may write (every zip, nested ones "
                                  "included).").tag(config=True)
    max_entries = Int(10_000, help="Most entries one zip may hold.").tag(config=True)
    max_ratio = Int(200, help="Most an entry may inflate (uncompressed / compressed size) once it "
                              "is past 1 MiB.").tag(config=True)
    max_depth = Int(3, help="Zips inside zips: the LMS's zip is depth 1, a zip a student handed in "
                            "depth 2, ...").tag(config=True)
    report = Unicode("", help="Where to write what was refused (the collector's report format): nbgrader "
                              "asks the collector nothing when no file could be extracted.").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        self.problems: dict[str, str] = {}
        self._budget = self.max_bytes
        self._root = Path(extracted_path)
        for found in sorted(Path(archive_path).rglob("*")):
            if found.is_symlink() or not found.is_file():
                continue
            target = self._root / found.relative_to(archive_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            if found.suffix.lower() == ".zip":
                self._open(found, target.with_suffix(""), depth=1)
            else:
                shutil.copyfile(found, target)
        if self.report:
            from .lms import Plan   # lms imports this module: imported late, no cycle
            Plan({}, dict(self.problems)).write(self.report)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self._root).as_posix()

    def _open(self, archive: Path, into: Path, depth: int) -> None:
        """Extract ``archive`` into the new folder ``into``, then the zips found in it."""
        shown, made = self._rel(into) + ".zip", False
        try:
            if depth > self.max_depth:
                raise BadArchive(f"zip nested more than {self.max_depth} deep: not opened")
            if into.exists():
                raise BadArchive(f"{into.name} is already there (an entry of that name)")
            into.mkdir(parents=True)
            made = True
            with zipfile.ZipFile(archive) as z:
                entries = z.infolist()
                if len(entries) > self.max_entries:
                    raise BadArchive(f"{len(entries)} entries (at most {self.max_entries})")
                size = archive.stat().st_size   # a compressed size the zip claims cannot be more
                for info in entries:
                    try:
                        self._write(z, info, into, min(info.compress_size, size))
                    except Exception as exc:  # noqa: BLE001 - corrupt data raises zlib, struct, EOF errors ...
                        if depth > 1:   # a student's zip: all of it or nothing
                            raise BadArchive(f"entry {info.filename!r}: {_why(exc)}") from None
                        self.problems[f"{self._rel(into)}/{info.filename}"] = f"entry not extracted: {_why(exc)}"
        except Exception as exc:  # noqa: BLE001 - one archive never stops the others
            if made:
                shutil.rmtree(into)
            self.problems[shown] = f"zip not extracted: {_why(exc)}"
            return
        finally:
            if depth > 1:   # opened or refused, the zip itself is no submission: its files are in ``into``
                archive.unlink()
        for inner in sorted(p for p in into.rglob("*") if p.suffix.lower() == ".zip" and p.is_file()
                            and not macos_metadata(PurePosixPath(self._rel(p)))):
            self._open(inner, inner.with_suffix(""), depth + 1)

    def _write(self, z: zipfile.ZipFile, info: zipfile.ZipInfo, into: Path, compressed: int) -> None:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or not parts:
            raise BadArchive("the name leaves the archive's folder")
        kind = stat.S_IFMT(info.external_attr >> 16)   # 0 when the zip does not say (Windows, writestr)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise BadArchive("not a regular file (a link or a device)")
        target = into.joinpath(*(p for p in parts if p != "."))
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with z.open(info) as src, open(target, "xb") as dst:   # "x": never through a link, never twice
            try:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > self._budget:
                        raise BadArchive(f"the import would write more than {self.max_bytes} bytes")
                    if written > RATIO_FLOOR and written > self.max_ratio * max(compressed, 1):
                        raise BadArchive(f"inflates more than {self.max_ratio} times (zip bomb?)")
                    dst.write(chunk)
            except BaseException:
                target.unlink()   # no half file: it would be graded as the student's
                raise
        self._budget -= written


def _why(exc: BaseException) -> str:
    if isinstance(exc, BadArchive):
        return str(exc)
    if isinstance(exc, FileExistsError):
        return "two entries with the same name"
    return f"{type(exc).__name__}: {exc}"

"""Observations as plain data on disk: what crosses from a student's kernel to the clean scorer.

When a notebook is graded, the kernel that runs student code only *observes*
(``layer_checks.observe``, ``task_checks.observe``) and writes what it saw
here; the clean process that never ran student code reads it back and judges.
Nothing executable crosses: arrays are ``.npy`` files loaded with
``allow_pickle=False``, everything else is JSON of a few tagged types, and any
other object arrives as an inert stand-in that keeps its type's name only if
Python, NumPy or PyTorch defines that type (a student's class name could carry
hidden test data into feedback).
Reading is bounded (sizes, counts, depth) and never follows symbolic links,
because the folder was written by untrusted code: every file is opened relative
to a descriptor of its folder, itself opened without following links from a
folder the grader made (``directory``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import stat
from pathlib import Path

import numpy as np

from . import student_text
from .messages import TEXT

OBSERVE_ENV = "GRADER_OBSERVE_DIR"      # set only in grading kernels: checks observe instead of judging
META = "meta.json"
MAX_FILE_BYTES = 64 * 2**20
MAX_FOLDER_BYTES = 128 * 2**20
MAX_META_BYTES = 2 * 2**20
MAX_ITEMS = 4096
MAX_DEPTH = 4


class UnreadableObservation(Exception):
    """The observation folder is missing, malformed, too large, or was tampered with (English)."""


def folder() -> Path | None:
    """Where this kernel must write observations, or None when checks judge in place."""
    value = os.environ.get(OBSERVE_ENV)
    return Path(value) if value else None


# --- writing (inside the grading kernel) -------------------------------------------------------

class _Writer:
    def __init__(self, target: Path):
        self.target, self.count = target, 0

    def encode(self, value, depth=0):
        if isinstance(value, (bool, np.bool_)):
            return {"t": "bool", "v": bool(value)}
        if isinstance(value, np.ndarray) or isinstance(value, np.generic):
            array = np.asarray(value)
            if array.dtype.hasobject or array.dtype.fields is not None:
                return self._other(value)
            self.count += 1
            name = f"a{self.count:05d}.npy"
            np.save(self.target / name, array, allow_pickle=False)
            record = {"t": "ndarray" if isinstance(value, np.ndarray) else "npscalar", "file": name}
            exact = np.ndarray if isinstance(value, np.ndarray) else type(array[()])
            if type(value) is not exact:
                # Saving keeps only the data: the class (a subclass, a masked array) is judged too.
                record["class"] = self._other(value)
            return record
        if isinstance(value, int):
            return {"t": "int", "v": str(int(value))}
        if isinstance(value, float):
            return {"t": "float", "v": repr(float(value))}
        if value is None:
            return {"t": "none"}
        if isinstance(value, str):
            return {"t": "str", "v": value[:1000]}
        if type(value) is dict and depth < MAX_DEPTH:
            return {"t": "dict", "items": [[str(k)[:200], self.encode(v, depth + 1)]
                                           for k, v in list(value.items())[:MAX_ITEMS]]}
        if isinstance(value, (tuple, list, set, frozenset)) and depth < MAX_DEPTH:
            items = list(value)[:MAX_ITEMS]
            tag = {tuple: "tuple", list: "list"}.get(type(value), "set" if isinstance(value, (set, frozenset)) else "other")
            if tag == "other":
                return self._other(value)
            if tag == "set":
                items = sorted(str(v) for v in items)
            return {"t": tag, "items": [self.encode(v, depth + 1) for v in items]}
        return self._other(value)

    @staticmethod
    def _other(value):
        kind = type(value)
        return {"t": "other", "module": str(getattr(kind, "__module__", ""))[:200],
                "qualname": str(getattr(kind, "__qualname__", "object"))[:200]}


def save(observations: list, declaration: str) -> Path:
    """Write one declaration's observations (dataclass instances) as the next numbered folder."""
    root = folder()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{len(list(root.iterdir())):05d}"
    target.mkdir()
    writer = _Writer(target)
    records = [{"type": type(o).__name__,
                "fields": {f.name: writer.encode(getattr(o, f.name)) for f in dataclasses.fields(o)}}
               for o in observations]
    (target / META).write_text(json.dumps({"declaration": declaration, "observations": records}),
                               encoding="utf-8")
    return target


# --- reading (in the clean process) ------------------------------------------------------------

DIRECTORY_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def _plain_name(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise UnreadableObservation("bad name")
    return name


@contextlib.contextmanager
def directory(root: Path | int, *parts: str):
    """A descriptor of ``root/part/...``, each part opened relative to the last and never through a link.

    ``root`` is trusted (a folder this process made, or a descriptor of one);
    everything below it may have been made by a kernel, so no path string
    below it is ever resolved: a symbolic link anywhere on the way is refused.
    """
    opened = []
    try:
        if isinstance(root, int):
            current = root
        else:
            current = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
            opened.append(current)
        for part in parts:
            try:
                current = os.open(_plain_name(part), DIRECTORY_FLAGS, dir_fd=current)
            except OSError as exc:
                raise UnreadableObservation(f"not a real folder ({exc.strerror}; a symbolic link?)") from None
            opened.append(current)
        yield current
    finally:
        for fd in reversed(opened):
            os.close(fd)


def subfolders(fd: int, *, remove_others: bool = False) -> tuple[list[str], int]:
    """(sorted names of the real folders in a directory, how many other entries it held).

    ``remove_others`` unlinks those entries (a link is removed, never followed).
    """
    names, others = [], 0
    for name in sorted(os.listdir(fd))[:MAX_ITEMS]:
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            others += 1
            continue
        if stat.S_ISDIR(info.st_mode):
            names.append(name)
            continue
        others += 1
        if remove_others:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=fd)
    return names, others


def _open_regular(directory_fd: int, name: str, limit: int) -> bytes:
    """Read a regular file of a directory without following links, refusing anything larger than ``limit``."""
    try:
        fd = os.open(_plain_name(name), os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0), dir_fd=directory_fd)
    except OSError as exc:
        raise UnreadableObservation(f"cannot open {name}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableObservation(f"{name} is not a regular file")
        if info.st_size > limit:
            raise UnreadableObservation(f"{name} is too large ({info.st_size} bytes)")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise UnreadableObservation(f"{name} grew beyond {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class _Reader:
    def __init__(self, source: int):
        self.source, self.total = source, 0

    def decode(self, item, depth=0):
        if not isinstance(item, dict) or depth > MAX_DEPTH + 1:
            raise UnreadableObservation("malformed value")
        tag = item.get("t")
        if tag == "bool":
            return bool(item["v"])
        if tag == "int":
            text = str(item["v"])
            if len(text) > 40:
                raise UnreadableObservation("integer too long")
            return int(text)
        if tag == "float":
            return float(item["v"])
        if tag == "none":
            return None
        if tag == "str":
            return str(item["v"])[:1000]
        if tag == "dict":
            items = item.get("items", [])
            if not isinstance(items, list) or len(items) > MAX_ITEMS:
                raise UnreadableObservation("too many items")
            return {str(pair[0]): self.decode(pair[1], depth + 1) for pair in items}
        if tag in ("tuple", "list", "set"):
            items = item.get("items", [])
            if not isinstance(items, list) or len(items) > MAX_ITEMS:
                raise UnreadableObservation("too many items")
            values = [self.decode(v, depth + 1) for v in items]
            return tuple(values) if tag == "tuple" else set(values) if tag == "set" else values
        if tag in ("ndarray", "npscalar"):
            name = str(item.get("file", ""))
            if "/" in name or not name.endswith(".npy") or name.startswith("."):
                raise UnreadableObservation("bad array file name")
            data = _open_regular(self.source, name, MAX_FILE_BYTES)
            self.total += len(data)
            if self.total > MAX_FOLDER_BYTES:
                raise UnreadableObservation("observations too large")
            import io
            try:
                array = np.load(io.BytesIO(data), allow_pickle=False)
            except Exception as exc:  # noqa: BLE001 - any malformed file is the same verdict
                raise UnreadableObservation(f"bad array file: {type(exc).__name__}") from None
            if not isinstance(array, np.ndarray) or array.dtype.hasobject:
                raise UnreadableObservation("bad array")
            value = array if tag == "ndarray" else array[()]
            kind = item.get("class")
            if kind is None:
                return value
            if not isinstance(kind, dict):
                raise UnreadableObservation("malformed class")
            return _as_subclass(value, *_type_name(kind))
        if tag == "other":
            return _stand_in(*_type_name(item))
        raise UnreadableObservation("unknown tag")


def _type_name(item: dict) -> tuple[str, str]:
    """(module, qualname) a kernel recorded: a name Python, NumPy or PyTorch defines, else «your own class».

    The name is the student's to choose, so it may carry anything (hidden cases
    included): only names the course knows ever reach a message.
    """
    module, qualname = (str(item.get(key, default))[:200].replace("\0", "") or default
                        for key, default in (("module", ""), ("qualname", "object")))
    if not student_text.known_type(module, qualname):
        return "", TEXT["own_class"]
    return module, qualname


_STAND_INS: dict = {}


def _stand_in(module: str, qualname: str):
    """An inert object whose type carries the original type's name, if a known one (for messages only)."""
    if not student_text.known_type(module, qualname):
        module, qualname = "", TEXT["own_class"]
    key = (module, qualname)
    if key not in _STAND_INS:
        _STAND_INS[key] = type(qualname.rsplit(".", 1)[-1] or "object", (), {
            "__module__": module, "__qualname__": qualname,
            "__repr__": lambda self: f"<{qualname}>"})
    return _STAND_INS[key]()


@functools.lru_cache(maxsize=256)
def _inert_subclass(base: type, module: str, qualname: str) -> type:
    """A subclass of ``base`` that adds nothing but carries the student's class name."""
    return type(qualname.rsplit(".", 1)[-1] or "subclass", (base,),
                {"__module__": module, "__qualname__": qualname})


def _as_subclass(value, module: str, qualname: str):
    """The observed data, again an instance of a (named, inert) subclass, as the student's kernel had it.

    The judge then sees what it sees at home: not exactly ``np.ndarray`` (or not
    exactly the NumPy scalar type), with the same name. A kernel that leaves the
    class out only gets the plain array judged.
    """
    if isinstance(value, np.ndarray):
        return value.view(_inert_subclass(np.ndarray, module, qualname))
    try:
        return _inert_subclass(type(value), module, qualname)(value)
    except TypeError:       # a NumPy scalar type that cannot be subclassed (np.bool_)
        return _stand_in(module, qualname)


def load(source: int, types: dict) -> tuple[str, list]:
    """(declaration text, observations) from a folder ``save`` wrote, given as a descriptor from ``directory``.

    ``types`` maps type names to classes.
    """
    meta = json.loads(_open_regular(source, META, MAX_META_BYTES).decode("utf-8", "replace"))
    if not isinstance(meta, dict) or not isinstance(meta.get("observations"), list):
        raise UnreadableObservation("malformed meta.json")
    reader = _Reader(source)
    observations = []
    for record in meta["observations"][:MAX_ITEMS]:
        cls = types.get(record.get("type")) if isinstance(record, dict) else None
        if cls is None:
            raise UnreadableObservation("unknown observation type")
        fields = record.get("fields", {})
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(fields, dict) or set(fields) != names:
            raise UnreadableObservation("observation fields do not match")
        observations.append(cls(**{name: reader.decode(fields[name]) for name in names}))
    return str(meta.get("declaration", ""))[:500], observations

"""Reading and writing uat's ``.npz`` files (networks, polynomials, the study store's blobs), safely.

An ``.npz`` archive is a zip of ``.npy`` members. Reading one with ``np.load`` inflates each member
whole before anyone can look at its shape: a 1 MB file of zeros becomes 1 GB (2.2 GB peak, 9 s)
before a loader can say that the metadata announced 8 numbers. :func:`open_npz` reads each member's
``.npy`` header (shape, dtype) first, from the zip stream, without touching the data; loaders
compare the shapes with what their metadata announces, and only then read the data
(:meth:`NpzMembers.read`). Whatever the caller checks, these are refused before any data is read:

* members that are not ``.npy`` arrays, and more than ``MAX_MEMBERS`` of them;
* object arrays (they would need unpickling, which uat never does);
* dtypes other than float64, integer and boolean, except the ``metadata`` member: a 0-d string
  of at most ``MAX_METADATA_BYTES``;
* an array of more than ``MAX_ARRAY_BYTES``.

Every uat file holds its facts in ``metadata``, a JSON object with at least ``"format"`` (``"uat.ShallowNetwork"``)
and ``"format_version"``; :meth:`NpzMembers.metadata` reads and checks it, for every loader alike.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy

from uat._version import __version__

__all__ = ["NpzMembers", "open_npz", "read_npz", "write_npz", "source_name", "MAX_ARRAY_BYTES",
           "MAX_METADATA_BYTES", "MAX_MEMBERS"]

#: Largest array a uat file may hold: 256 MiB, 3.4e7 float64 (width 10⁶ in 33 dimensions).
MAX_ARRAY_BYTES = 1 << 28
#: Largest metadata string (its JSON is a few hundred bytes).
MAX_METADATA_BYTES = 1 << 20
#: Most members an archive may have (a network has five at most).
MAX_MEMBERS = 16

_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error)


def source_name(path, kind: str) -> str:
    """How messages name what is read: the file name (quoted), or ``"the <kind> data"`` for a file object."""
    return f"the {kind} data" if hasattr(path, "read") else repr(os.fspath(path))


def write_npz(path, arrays: dict, metadata: dict | None = None) -> None:
    """Write arrays as an .npz archive to a file name or a binary file object; ``metadata`` (the file's facts,
    ``"format"`` and ``"format_version"`` first) is added as the JSON ``metadata`` member, stamped with the
    ``"uat_version"`` that wrote it."""
    if metadata is not None:
        arrays = {**arrays, "metadata": np.array(json.dumps({**metadata, "uat_version": __version__}))}
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


class NpzMembers:
    """An open .npz archive: every member's shape and dtype (read from its header), data on request.

    Use :func:`open_npz`, as a context manager.
    """

    def __init__(self, where: str, archive: zipfile.ZipFile, kind: str):
        self.where, self.kind, self._archive = where, kind, archive
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"{where} is not a uat {kind} file: {len(infos)} members, more than {MAX_MEMBERS}")
        self.headers: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise ValueError(f"{where} is not a uat {kind} file: member {info.filename!r} is not an .npy array")
            name = info.filename[:-4]
            self.headers[name] = self._header(info)
            self._check(name, *self.headers[name])

    def _header(self, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype]:
        try:
            with self._archive.open(info) as stream:
                version = npy.read_magic(stream)
                if version == (1, 0):
                    shape, _, dtype = npy.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, _, dtype = npy.read_array_header_2_0(stream)
                else:
                    raise ValueError(f".npy format version {version} (uat reads 1.0 and 2.0)")
        except _READ_ERRORS as err:
            raise ValueError(f"{self.where} is not a uat {self.kind} file: member {info.filename!r} has no "
                             f"readable .npy header ({err})") from err
        return tuple(shape), dtype

    def _check(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
        """Refuse, from the header alone, what no uat file holds."""
        where = self.where
        if dtype.hasobject:
            raise ValueError(f"{where} is not a uat {self.kind} file: an entry needs unpickling, which uat never does")
        nbytes = math.prod(shape) * dtype.itemsize
        if name == "metadata":
            if dtype.kind != "U" or shape != () or nbytes > MAX_METADATA_BYTES:
                raise ValueError(f"{where}: metadata must be one string (a 0-d array) of at most "
                                 f"{MAX_METADATA_BYTES} bytes; got dtype {dtype}, shape {shape}")
            return
        if not (dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize == 8)):
            raise ValueError(f"{where}: {name} must be real numbers (float64, integer or boolean); got dtype {dtype}")
        if nbytes > MAX_ARRAY_BYTES:
            raise ValueError(f"{where}: {name} announces shape {shape} ({nbytes:.3g} bytes), more than a uat file "
                             f"holds ({MAX_ARRAY_BYTES:.3g} bytes per array); refused before reading it")

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Member name → shape, as the headers announce (nothing of the data is read)."""
        return {name: shape for name, (shape, _) in self.headers.items()}

    def read(self, name: str) -> np.ndarray:
        """The data of one member: exactly the announced shape is read, however far the stream inflates."""
        try:
            with self._archive.open(name + ".npy") as stream:
                return npy.read_array(stream, allow_pickle=False)
        except _READ_ERRORS as err:
            raise ValueError(f"{self.where}: {name} is unreadable (truncated or corrupted: {err})") from err

    def require(self, names) -> None:
        """Refuse an archive that lacks any of the members ``names`` (nothing is read)."""
        missing = set(names) - set(self.headers)
        if missing:
            raise ValueError(f"{self.where} is not a uat {self.kind} file: missing {sorted(missing)}")

    def metadata(self, format: str | None = None, versions: tuple[int, ...] = ()) -> dict:
        """The JSON object of the ``metadata`` member; given ``format``, refused unless its ``"format"`` is that
        and its ``"format_version"`` is one of ``versions`` (integers)."""
        self.require(["metadata"])
        try:
            metadata = json.loads(str(self.read("metadata")))
        except json.JSONDecodeError as err:
            raise ValueError(f"{self.where}: metadata is not valid JSON") from err
        found = metadata.get("format") if isinstance(metadata, dict) else metadata
        if not isinstance(metadata, dict) or (format is not None and found != format):
            expected = "" if format is None else f", expected {format!r}"
            raise ValueError(f"{self.where} is not a uat {self.kind} file (format {found!r}{expected})")
        version = metadata.get("format_version")
        if format is not None and (type(version) is not int or version not in versions):
            *earlier, last = map(str, versions)
            readable = f"versions {', '.join(earlier)} and {last}" if earlier else f"version {last}"
            raise ValueError(f"{self.where} has format_version {version!r}; this uat reads {readable}")
        return metadata

    def check_shapes(self, announced: dict[str, tuple[int, ...]], facts: str = "") -> None:
        """Refuse members the metadata does not announce, or of another shape, before their data is read;
        ``facts`` says what in the metadata gives the shapes (for the message)."""
        for name, shape in self.shapes.items():
            if name == "metadata":
                continue
            if name not in announced:
                raise ValueError(f"{self.where} is not a uat {self.kind} file: unexpected member {name!r} "
                                 f"(expected {', '.join(sorted(announced))})")
            if shape != tuple(announced[name]):
                raise ValueError(f"{self.where}: metadata disagrees with the arrays: it announces {name} of shape "
                                 f"{tuple(announced[name])}{f' ({facts})' if facts else ''}; got {shape}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._archive.close()
        return False


def open_npz(where: str, path, kind: str) -> NpzMembers:
    """Open an .npz archive (a file name or a binary file object) and read its members' headers only;
    anything that is not a uat-readable archive is a ValueError saying it is not a uat ``kind`` file."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except _READ_ERRORS as err:
        what = "a single .npy array, not an .npz archive" if _is_npy(path) else (
            "not an .npz archive, or it needs unpickling, which uat never does")
        raise ValueError(f"{where} is not a uat {kind} file ({what})") from err
    try:
        return NpzMembers(where, archive, kind)
    except BaseException:
        archive.close()
        raise


def read_npz(where: str, path, kind: str) -> dict[str, np.ndarray]:
    """Every array of an .npz archive, each checked from its header before it is read (see the module
    docstring); for files whose metadata announces shapes, use :func:`open_npz` and
    :meth:`NpzMembers.check_shapes` before reading."""
    with open_npz(where, path, kind) as members:
        return {name: members.read(name) for name in members.headers}


def _is_npy(path) -> bool:
    """Whether a file (name or binary file object) starts with the .npy magic string."""
    try:
        if hasattr(path, "read"):
            path.seek(0)
            return path.read(6) == b"\x93NUMPY"
        with open(path, "rb") as fh:
            return fh.read(6) == b"\x93NUMPY"
    except (OSError, ValueError):
        return False

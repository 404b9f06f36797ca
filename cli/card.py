"""Find media on a card or folder and group each clip with its sidecars (same folder, same stem).

Card and watch folders come from cameras, drones and other people: nothing found inside a folder may lead
the CLI outside it. So:

* Symbolic links found while walking are never followed, whether they point inside the folder or out of it
  (a link named ``DJI_0001.SRT`` to ``/etc/passwd``, a directory link to ``/``): each is skipped and reported
  with its reason. Windows junctions and directories whose real path is outside the folder are skipped too.
  Paths named on the command line are the user's own choice and are used as given (a link named there is
  resolved once).
* Only regular files are taken (FIFOs, sockets and devices are skipped and reported).
* Each file's identity (device, inode) is recorded when it is found, and :func:`open_checked` opens it with
  ``O_NOFOLLOW`` and compares ``fstat`` with that identity, so a link or another file swapped in after the
  walk is refused instead of read.
* A sidecar whose content does not match its extension (:func:`mam.sidecar_check.check_sidecar`) is
  skipped by :func:`vet_sidecars` before upload; the clip goes up without it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mam.card_groups import group_files
from mam.sidecar_check import HEAD_BYTES, check_sidecar
from mam.uploads import SIDECAR_KINDS

# Why a path was skipped (the summary counts by these).
LINK = "symbolic link"
OUTSIDE = "outside the folder"
SPECIAL = "not a regular file"
UNREADABLE = "unreadable"
CHANGED = "changed after the scan"
BAD_SIDECAR = "sidecar content"

FileId = tuple[int, int]  # (st_dev, st_ino) as seen when walking


@dataclass(frozen=True)
class Skipped:
    """A path the CLI did not upload, and why."""

    path: Path
    category: str  # one of the constants above
    reason: str  # one sentence for a person

    def as_json(self) -> dict[str, str]:
        return {"source_path": str(self.path), "upload": "skipped", "skip": self.category, "reason": self.reason}


class UnsafeFile(OSError):
    """The path is no longer the regular file found by the walk (a link or another file was swapped in)."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


@dataclass
class Item:
    """One original and the sidecars that travel with it."""

    path: Path
    sidecars: list[Path] = field(default_factory=list)
    ids: dict[Path, FileId] = field(default_factory=dict)  # identity of each file when it was found

    @property
    def size(self) -> int:
        """Bytes to send (for progress); a file gone since the scan counts 0 and fails at upload."""
        total = 0
        for p in [self.path, *self.sidecars]:
            try:
                total += os.lstat(p).st_size
            except OSError:
                pass
        return total


@dataclass
class Scan:
    items: list[Item]
    ignored: list[Path]
    skipped: list[Skipped] = field(default_factory=list)


def _ext(p: Path) -> str:
    return p.suffix.lower().lstrip(".")


def _is_junction(entry: os.DirEntry) -> bool:
    check = getattr(entry, "is_junction", None)  # Python 3.12+, Windows only in practice
    return bool(check and check())


def _link_skip(path: Path) -> Skipped:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return Skipped(path, LINK, f"symbolic link to {target}: links in card and watch folders are never followed")


def _inside(path: Path, root_real: str) -> bool:
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def _walk(root: Path, files: dict[Path, FileId], skipped: list[Skipped]) -> None:
    """Regular files under ``root`` (hidden names left out), never through a link."""
    root_real = os.path.realpath(root)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(folder, UNREADABLE, f"folder could not be listed: {exc.strerror or exc}"))
            continue
        subdirs: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    skipped.append(_link_skip(path))
                    continue
                if _is_junction(entry):
                    skipped.append(Skipped(path, LINK, "junction: links in card and watch folders are never followed"))
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                skipped.append(Skipped(path, UNREADABLE, f"could not be read: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if _inside(path, root_real):
                    subdirs.append(path)
                else:  # a mount trick or junction that leads out of the folder
                    skipped.append(Skipped(path, OUTSIDE, f"leads out of the folder (to {os.path.realpath(path)})"))
            elif stat.S_ISREG(st.st_mode):
                files[path] = (st.st_dev, st.st_ino)
            else:
                skipped.append(Skipped(path, SPECIAL, "not a regular file (FIFO, socket or device)"))
        stack.extend(reversed(subdirs))


def group(paths: list[Path]) -> Scan:
    """Walk files and folders (card layouts such as ``DCIM/100MEDIA``), pair sidecars with their clip.

    A DJI ``.LRF`` is a low-res proxy of the ``.MP4`` with the same stem, so it is a sidecar there and
    ignored when alone; an ``.SRT`` without its clip is ignored too. Links inside folders are skipped
    (see the module docstring); what was skipped is in ``Scan.skipped`` with its reason.
    """
    found: dict[Path, FileId] = {}
    skipped: list[Skipped] = []
    for p in paths:
        if p.is_symlink():  # named by the user: resolved once, then walked like any folder
            p = p.resolve()
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            raise FileNotFoundError(f"{p} does not exist") from None
        if stat.S_ISDIR(st.st_mode):
            _walk(p, found, skipped)
        elif stat.S_ISREG(st.st_mode):
            found[p] = (st.st_dev, st.st_ino)
        else:
            skipped.append(Skipped(p, SPECIAL, "not a regular file (FIFO, socket or device)"))
    grouped = group_files(found)  # the one grouping rule, shared with the web UI's upload plan
    items = [Item(g.clip, list(g.sidecars), {f: found[f] for f in (g.clip, *g.sidecars)}) for g in grouped.groups]
    return Scan(items=items, ignored=[f for f, _ in grouped.left_out], skipped=skipped)


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def open_checked(path: Path, expected: FileId | None = None) -> BinaryIO:
    """Open ``path`` for reading only if it is still the regular file the walk found.

    ``O_NOFOLLOW`` refuses a link in its place; ``fstat`` on the opened descriptor must show a regular file
    with the identity recorded at walk time. ``O_NONBLOCK`` keeps a FIFO swapped in from blocking the open.
    Raises :class:`UnsafeFile` when the file changed into something else.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise UnsafeFile(exc.errno, f"{path} became a symbolic link after the scan; not followed") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(errno.EINVAL, f"{path} is no longer a regular file; not read")
        if expected is not None and (st.st_dev, st.st_ino) != tuple(expected):
            raise UnsafeFile(errno.ESTALE, f"{path} was replaced after the scan (a link or another file); not read")
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def checked_size(path: Path, expected: FileId | None = None) -> int:
    """The size of the file as :func:`open_checked` sees it."""
    with open_checked(path, expected) as fh:
        return os.fstat(fh.fileno()).st_size


def vet_sidecars(item: Item) -> list[Skipped]:
    """Drop (and return as skipped) sidecars whose content does not match their extension or that changed."""
    kept: list[Path] = []
    skipped: list[Skipped] = []
    for sc in item.sidecars:
        ext = _ext(sc)
        try:
            with open_checked(sc, item.ids.get(sc)) as fh:
                head = fh.read(HEAD_BYTES)
        except UnsafeFile as exc:
            skipped.append(Skipped(sc, CHANGED, str(exc)))
            continue
        except OSError as exc:
            skipped.append(Skipped(sc, UNREADABLE, f"could not be read: {exc.strerror or exc}"))
            continue
        reason = check_sidecar(SIDECAR_KINDS[ext], head, ext=ext)
        if reason:
            skipped.append(Skipped(sc, BAD_SIDECAR, f"not a valid .{ext} sidecar ({reason}); "
                                                    f"{item.path.name} is uploaded without it"))
        else:
            kept.append(sc)
    item.sidecars = kept
    return skipped

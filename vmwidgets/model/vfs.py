"""The files mappings come from (fs/open.c, reduced to an inode number per path)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..errors import check_text
from .mm_types import File

__all__ = ["Files"]


class Files:
    """Opened paths and their inode numbers: the same path keeps its inode."""

    def __init__(self) -> None:
        self._inodes: dict[str, int] = {}
        self._made = 0  # inodes made so far: a unique file's inode must not be reused

    def open(self, path: str, unique: bool = False, dev: tuple[int, int] = (8, 1)) -> File:
        """``struct file *filp_open(const char *filename, ...)`` reduced: a new file for ``path``.

        fs/open.c; the same path keeps its inode (unless ``unique``).  ``dev`` is the
        ``(major, minor)`` /proc/PID/maps prints.  Never NULL; a path that is not text of at
        most PATH_MAX-1 characters raises :class:`~vmwidgets.errors.InvalidArgument`.

        ``unique`` makes a new inode every time, as mm/shmem.c:shmem_file_setup does for each
        shared anonymous mapping (shmem_zero_setup): two such mappings never share pages."""
        check_text("file", path, "a path", max_len=4095)  # PATH_MAX, with its NUL
        ino = self._inodes.get(path) if not unique else None
        if ino is None:
            ino = self._inodes[path] = 4096 + self._made
            self._made += 1
        return File(path, dev, ino)

    @property
    def inodes(self) -> Mapping[str, int]:
        """Every path opened so far and its inode number (read-only)."""
        return MappingProxyType(self._inodes)

"""The files mappings come from (fs/open.c, reduced to an inode number per path)."""

from __future__ import annotations

from .mm_types import File

__all__ = ["Files"]


class Files:
    """Opened paths and their inode numbers: the same path keeps its inode."""

    def __init__(self) -> None:
        self._inodes: dict[str, int] = {}

    def open(self, path: str, unique: bool = False, dev: tuple[int, int] = (8, 1)) -> File:
        """A new ``struct file`` for ``path``; the same path keeps its inode (unless ``unique``)."""
        from ..errors import InvalidArgument

        if not isinstance(path, str) or not path or not path.isprintable():
            raise InvalidArgument("file", path, "a printable path")
        ino = self._inodes.get(path) if not unique else None
        if ino is None:
            ino = self._inodes[path] = 4096 + len(self._inodes)
        return File(path, dev, ino)

"""What this release of the app is, from its own files: one fingerprint and per-file versions.

Kept pages and figures live in Redis, which outlives an upgrade, and during a rolling
restart old and new workers share it. A list table rendered by the last release, or
figures shaped for its templates, must not be served by this one, so every kept entry's
key holds the fingerprint of the code, templates and translations that made it.

Static files get their content's hash in their URL (``?v=…``): a browser never pairs last
release's JavaScript with this release's pages, and nginx may cache them for a year.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

# The files that decide what a page looks like or what a kept value holds.
RELEASE_SUFFIXES = (".py", ".html", ".js", ".css", ".mo", ".json", ".csv")
VERSION_LENGTH = 12


def fingerprint(folders: Iterable[Path]) -> str:
    """A hash of every release file's path and content under ``folders``."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in Path(folder).rglob("*")
                           if p.is_file() and p.suffix in RELEASE_SUFFIXES):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:VERSION_LENGTH]


class StaticVersions:
    """The content hash of each static file, read once per process (files of a release do
    not change while it runs; in development Flask revalidates static files anyway)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).resolve()
        self._known: dict[str, str | None] = {}

    def of(self, filename: str) -> str | None:
        if filename not in self._known:
            path = (self.folder / filename).resolve()
            inside = path.is_relative_to(self.folder) and path.is_file()
            self._known[filename] = (hashlib.sha256(path.read_bytes()).hexdigest()
                                     [:VERSION_LENGTH] if inside else None)
        return self._known[filename]

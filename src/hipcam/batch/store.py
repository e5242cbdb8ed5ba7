"""SQLite store of batch results: one row per (content hash, analysis version, settings).

The database runs in WAL mode with ``synchronous=FULL`` and every result is committed on its own
as soon as it arrives, so an interrupted or crashed batch keeps everything it finished. All SQL
is parameterised. A second table caches file hashes by (path, size, mtime) so that a re-run of an
already scored batch does not read every video again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hipcam.dbguard import check_database_file
from hipcam.errors import OutputError

SCHEMA_VERSION = 1
_HASH_CHUNK_BYTES = 1 << 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL,
    analysis_version TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    path TEXT NOT NULL,
    error TEXT,
    doc_json TEXT,
    plot_png BLOB,
    elapsed_s REAL,
    worker TEXT,
    finished_at REAL NOT NULL,
    PRIMARY KEY (sha256, analysis_version, params)
);
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""


#: hipcam's batch tables and columns that identify them (see hipcam.dbguard)
RESULT_TABLES = {
    "meta": {"key", "value"},
    "results": {"sha256", "analysis_version", "params", "status", "path"},
    "file_hashes": {"path", "size", "mtime_ns", "sha256"},
}


@dataclass
class StoredResult:
    """One row of the ``results`` table."""

    sha256: str
    status: str  # "ok" or "failed"
    path: str
    error: str | None
    doc: dict | None
    plot_png: bytes | None
    elapsed_s: float | None
    worker: str | None
    finished_at: float


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's content, read in 1 MiB chunks (never whole into memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


class ResultStore:
    """The batch database. Use as a context manager or call :meth:`close`.

    Parameters
    ----------
    path : the SQLite file (created with its folder when missing).
    analysis_version : :data:`hipcam.ANALYSIS_VERSION`; part of every key.
    params : a canonical string of the settings that change results (stride, model, ...).
    """

    def __init__(self, path: str | Path, analysis_version: str, params: str) -> None:
        self.path = Path(path)
        self.analysis_version = analysis_version
        self.params = params
        check_database_file(self.path, RESULT_TABLES, "results")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=60.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=60000")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                             ("schema_version", str(SCHEMA_VERSION)))
        except (sqlite3.Error, OSError) as exc:
            raise OutputError(f"cannot open results database {self.path}: {exc}") from None

    # -- results -------------------------------------------------------------------------------

    def get(self, sha256: str) -> StoredResult | None:
        """The stored result for a content hash under this store's version and settings."""
        row = self._db.execute(
            "SELECT sha256, status, path, error, doc_json, plot_png, elapsed_s, worker, finished_at "
            "FROM results WHERE sha256 = ? AND analysis_version = ? AND params = ?",
            (sha256, self.analysis_version, self.params)).fetchone()
        return _row(row) if row else None

    def _current_rows(self, columns: str, where: str, hashes: Iterable[str]) -> list[tuple]:
        """Rows of this analysis version and settings for ``hashes`` (500 per query: SQLite's
        limit on bound parameters)."""
        hashes = list(dict.fromkeys(hashes))
        rows: list[tuple] = []
        for i in range(0, len(hashes), 500):
            chunk = hashes[i:i + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._db.execute(
                f"SELECT {columns} FROM results WHERE analysis_version = ? AND params = ? "
                f"{where} AND sha256 IN ({marks})",
                (self.analysis_version, self.params, *chunk)).fetchall()
        return rows

    def statuses(self, hashes: Iterable[str]) -> dict[str, str]:
        """``{sha256: status}`` for those of ``hashes`` that have a stored result."""
        return dict(self._current_rows("sha256, status", "", hashes))

    def failures(self, hashes: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{sha256: (path, error)}`` for those of ``hashes`` whose stored result is a failure."""
        rows = self._current_rows("sha256, path, error", "AND status = 'failed'", hashes)
        return {sha: (path, error or "") for sha, path, error in rows}

    def put(self, sha256: str, status: str, path: str, *, error: str | None = None,
            doc: dict | None = None, plot_png: bytes | None = None, elapsed_s: float | None = None,
            worker: str | None = None) -> None:
        """Insert or replace one result and commit it at once."""
        if status not in ("ok", "failed"):
            raise ValueError(f"bad status {status!r}")
        doc_json = json.dumps(doc, allow_nan=False) if doc is not None else None
        try:
            self._db.execute(
                "INSERT INTO results (sha256, analysis_version, params, status, path, error, "
                "doc_json, plot_png, elapsed_s, worker, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (sha256, analysis_version, params) DO UPDATE SET "
                "status = excluded.status, path = excluded.path, error = excluded.error, "
                "doc_json = excluded.doc_json, plot_png = excluded.plot_png, "
                "elapsed_s = excluded.elapsed_s, worker = excluded.worker, "
                "finished_at = excluded.finished_at",
                (sha256, self.analysis_version, self.params, status, path, error, doc_json,
                 plot_png, elapsed_s, worker, time.time()))
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write to results database {self.path}: {exc}") from None

    def count(self) -> int:
        """Number of result rows for this version and settings."""
        return self._db.execute(
            "SELECT COUNT(*) FROM results WHERE analysis_version = ? AND params = ?",
            (self.analysis_version, self.params)).fetchone()[0]

    # -- file hash cache -----------------------------------------------------------------------

    def hash_file(self, path: str) -> str:
        """:func:`sha256_file`, cached by (path, size, mtime) so unchanged files are not re-read.

        Raises ``OSError`` when the file cannot be read.
        """
        st = os.stat(path)
        row = self._db.execute("SELECT size, mtime_ns, sha256 FROM file_hashes WHERE path = ?",
                               (path,)).fetchone()
        if row and row[0] == st.st_size and row[1] == st.st_mtime_ns:
            return row[2]
        digest = sha256_file(path)
        self.remember_hash(path, st.st_size, st.st_mtime_ns, digest)
        return digest

    def cached_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The cached hash of ``path`` if its size and mtime are unchanged."""
        row = self._db.execute("SELECT size, mtime_ns, sha256 FROM file_hashes WHERE path = ?",
                               (path,)).fetchone()
        return row[2] if row and row[0] == size and row[1] == mtime_ns else None

    def remember_hash(self, path: str, size: int, mtime_ns: int, digest: str) -> None:
        """Cache a file's hash for its current size and mtime."""
        self._db.execute(
            "INSERT INTO file_hashes (path, size, mtime_ns, sha256) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "sha256 = excluded.sha256", (path, size, mtime_ns, digest))

    def close(self) -> None:
        """Close the connection (a WAL checkpoint happens on the last close)."""
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: how a failure caused by the file being absent or unreadable at the time begins (retried by
#: itself on the next run: the file may be back)
MISSING_FILE_ERRORS = ("no such file", "cannot read ", "cannot access ", "file name too long")


def failure_is_stale(failure: tuple[str, str] | None, path: str) -> bool:
    """Whether a stored failure should not stop this video from being analysed again.

    Failures are keyed by path and cause, not only by content: a failure recorded for another
    path (a copy, a moved file) does not apply here, and a failure because the file was missing
    or unreadable is retried automatically. Other failures (not a video, no person, a timeout)
    stay until ``--retry-failed``.
    """
    if failure is None:
        return False
    failed_path, error = failure
    return failed_path != path or error.lower().startswith(MISSING_FILE_ERRORS)


def _row(row: tuple) -> StoredResult:
    sha, status, path, error, doc_json, png, elapsed, worker, finished = row
    return StoredResult(sha, status, path, error, json.loads(doc_json) if doc_json else None,
                        bytes(png) if png is not None else None, elapsed, worker, finished)

"""Opening hipcam's SQLite files without touching anyone else's.

:func:`check_database_file` runs before hipcam creates its tables in a file given by ``--db``: the
file must be missing, empty, or an SQLite database whose tables that share a name with hipcam's
have hipcam's columns, and that holds at least one of hipcam's tables when it holds any table at
all. Otherwise (another program's ``sessions`` table, a spreadsheet, a video) it is refused with one
line and left exactly as it was: hipcam never adds its tables to a foreign file.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Mapping
from pathlib import Path

from hipcam.errors import OutputError

_SQLITE_MAGIC = b"SQLite format 3\x00"


def check_database_file(path: str | Path, signature: Mapping[str, set[str]], what: str) -> None:
    """Raise :class:`OutputError` unless ``path`` may be opened as hipcam's ``what`` database.

    ``signature`` maps each of hipcam's table names to columns it must have (a subset of the
    real schema, so that older hipcam files with fewer optional columns still pass).
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise OutputError(f"{what} database: file name too long ({len(str(p))} characters)") from None
        raise OutputError(f"cannot open {what} database {p}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{what} database {p} is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{what} database {p} is not a regular file")
    if st.st_size == 0:
        return
    try:
        with open(p, "rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise OutputError(f"cannot read {what} database {p}: {exc.strerror or exc}") from None
    if head != _SQLITE_MAGIC:
        raise OutputError(f"{p} is not an SQLite database: refusing to use it as the {what} "
                          "database (pass another --db)")
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        try:
            tables = {name: {row[1] for row in con.execute(f'PRAGMA table_info("{name}")')}
                      for (name,) in con.execute(
                          "SELECT name FROM sqlite_master WHERE type = 'table' "
                          "AND name NOT LIKE 'sqlite_%'")}
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise OutputError(f"cannot read {what} database {p}: {exc}") from None
    for name, needed in signature.items():
        if name in tables and not needed <= tables[name]:
            raise OutputError(
                f"{p} has a '{name}' table that is not hipcam's (missing columns "
                f"{', '.join(sorted(needed - tables[name]))}): refusing to use or change it "
                "(pass another --db)")
    if tables and not set(signature) & set(tables):
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise OutputError(f"{p} is another program's database (tables: {shown}): refusing to "
                          f"add hipcam's tables to it (pass another --db)")

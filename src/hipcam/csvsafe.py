"""CSV that spreadsheets cannot execute: formula injection neutralised in every cell hipcam writes.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` in a patient note, a file
named ``-2+3.mp4``). As OWASP recommends, such a cell is prefixed with a single quote, which the
spreadsheet shows but does not evaluate; the csv module's quoting then escapes any quotes and
separators. Plain numbers (``-12.5``, ``+3``, ``-1e-05``) are left alone so numeric columns stay
numeric. Use :func:`writer` instead of ``csv.writer``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """``value`` unchanged unless it is text a spreadsheet would run as a formula."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    if text.startswith(_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, fh: Any, **kwargs: Any) -> None:
        self._w = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._w.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fh: Any, **kwargs: Any) -> SafeWriter:
    """Like ``csv.writer(fh, **kwargs)``, with formula injection neutralised."""
    return SafeWriter(fh, **kwargs)

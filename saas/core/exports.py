"""CSV exports of the firm's logs (the audit log, the documents' access report): one way to
write them, store them and hand them out.

An export job fills a `CsvExport` (the stdlib `csv` module; a cell a spreadsheet would run as
a formula is neutralized), stores it in the tenant's storage (`await export.store(files,
"audit-log", name)`: UTF-8 with a BOM, so spreadsheet programs read Cyrillic correctly) and
returns the dict it gives as the job's result (`key`, `rows`, `size`). The job's GraphQL type
offers the file once the job is done through `export_link(files, key, filename)`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saas.storage import TenantStorage

BOM = "\ufeff"
CONTENT_TYPE = "text/csv"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell safe to open in a spreadsheet: a text starting like a formula gets a
    leading apostrophe (shown as text); None is empty."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in _FORMULA_STARTS else text


class CsvExport:
    """A CSV file being written: a header row, then `add(cells)` per record."""

    def __init__(self, header: Sequence[str]):
        self._out = io.StringIO()
        self._writer = csv.writer(self._out)
        self._writer.writerow(header)
        self.rows = 0

    def add(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in cells])
        self.rows += 1

    def body(self) -> bytes:
        return (BOM + self._out.getvalue()).encode()

    async def store(self, files: TenantStorage, *path: str) -> dict[str, Any]:
        """Store under the tenant's `exports/<path...>`; the job's result."""
        key = files.key("exports", *path)
        info = await files.put(key, self.body(), content_type=CONTENT_TYPE)
        return {"key": key, "rows": self.rows, "size": info.size}


async def export_link(files: TenantStorage, key: str, filename: str) -> str:
    """A short-lived link to a stored export."""
    return await files.download_url(key, filename=filename, content_type=CONTENT_TYPE)

"""Reading a bulk import of report events: JSON lines or CSV, to rows of the same fields.

One path for both formats: the file is read into items (`read_json_lines`, `read_csv`) when
the import is submitted, a structural problem of the whole file (no rows, an unknown column,
a broken quote) being a `ValidationError` then; the job turns each item's row into an
`EventInput` with `import_rows.event_input` (creating the report the row names when it does
not exist yet) and records it in its own savepoint (see jobs.py).

An item is JSON (it is kept in the job's params): `{"line": n, "row": {field: value}}`, or
`{"line": n, "error": {...}}` for a line that could not be read (bad JSON), or `{"line": n}`
for a blank line of JSON lines (counted in the total, skipped). `line` is the 1-based line
of the file where the record starts (a CSV record may span lines: quoted newlines).

Fields (JSON keys and CSV column names alike, see docs/integrate.md): the report by
`reportId`, or by `inn` (+ `kpp` when the INN has several organizations), `formCode`,
`periodYear`, `periodCode` and `correction` (default 0), with `authorityCode` for a report
that does not exist yet; then `externalId`, `kind`, `occurredAt`, `text`, `reasonCode`. A
row with `documents` is refused: files go through `recordReportEvent`, never an import.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import orjson

from saas.modules.reports.service.flow import ReportsError

MAX_IMPORT_ROWS = 5000
IDENTITY = ("inn", "kpp", "formCode", "periodYear", "periodCode", "correction")
# authorityCode: used only when the row's report does not exist yet and is created.
FIELDS = (
    "reportId",
    *IDENTITY,
    "authorityCode",
    "externalId",
    "kind",
    "occurredAt",
    "text",
    "reasonCode",
)
REQUIRED = ("externalId", "kind", "occurredAt")
DELIMITERS = (",", ";", "\t")


def _invalid(code: str, ru: str, en: str, field: str | None = None) -> ReportsError:
    return ReportsError("validation", code, ru, en, field)


def error_entry(line: int, exc: ReportsError) -> dict[str, Any]:
    """A refused row as kept in the job's result (both languages: read by either)."""
    return {
        "line": line,
        "code": exc.code,
        "field": exc.field,
        "message": exc.en,
        "messageRu": exc.ru,
    }


def invalid_value(exc: Exception) -> ReportsError:
    """A row whose value the database refused (out of range, too long)."""
    detail = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
    return _invalid("INVALID_VALUE", f"Недопустимое значение: {detail}", f"Invalid value: {detail}")


# ------------------------------------------------------------------------------- reading


def _size_error(field: str, rows: int) -> ReportsError | None:
    if 1 <= rows <= MAX_IMPORT_ROWS:
        return None
    return _invalid(
        "INVALID_IMPORT_SIZE",
        f"Импорт — от 1 до {MAX_IMPORT_ROWS} строк.",
        f"An import holds 1 to {MAX_IMPORT_ROWS} lines.",
        field,
    )


# What no field of a row may hold (tab, LF and CR may: a CSV cell keeps its line breaks).
# PostgreSQL refuses U+0000 in text and in the job's JSON, so such a row is refused alone,
# by its line, and the others are imported.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_in(value: Any) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_control_in(k) or _control_in(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_control_in(v) for v in value)
    return False


def row_item(line: int, row: dict[str, Any]) -> dict[str, Any]:
    """A read row as an item, or the line's error when a field holds a control character."""
    for name, value in row.items():
        if _control_in(name) or _control_in(value):
            field = None if _control_in(name) else name
            error = _invalid(
                "CONTROL_CHARACTER",
                "Поле содержит управляющий символ (например, U+0000): строка не импортирована.",
                "A field holds a control character (e.g. U+0000): the line is not imported.",
                field,
            )
            return {"line": line, "error": error_entry(line, error)}
    return {"line": line, "row": row}


def json_line_items(lines: list[str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            items.append({"line": number})
            continue
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            error = _invalid(
                "INVALID_JSON",
                f"Строка — не объект JSON: {exc}",
                f"not a JSON object: {exc}",
            )
            items.append({"line": number, "error": error_entry(number, error)})
            continue
        if not isinstance(raw, dict):
            error = _invalid(
                "INVALID_JSON",
                "Каждая строка — объект JSON.",
                "each line must be a JSON object",
            )
            items.append({"line": number, "error": error_entry(number, error)})
            continue
        items.append(row_item(number, raw))
    return items


def read_json_lines(text: str) -> list[dict[str, Any]]:
    """One JSON object per line; trailing blank lines dropped, inner ones counted."""
    lines = text.removeprefix("\ufeff").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if size_error := _size_error("jsonLines", len(lines)):
        raise size_error
    return json_line_items(lines)


def _column(name: str) -> str | None:
    """A header cell to its field: case, spaces, `_` and `-` do not matter (report_id)."""
    key = "".join(ch for ch in name.strip().lower() if ch not in " _-")
    return next((f for f in FIELDS if f.lower() == key), None)


def _delimiter(header: str) -> str:
    """The header's most frequent of `,` `;` tab (1C and Russian Excel write `;`). Field
    names never contain one, so the header decides where csv.Sniffer would guess."""
    return max(DELIMITERS, key=header.count)


def _csv_error(code: str, ru: str, en: str) -> ReportsError:
    return _invalid(code, ru, en, "csv")


def _header(cells: list[str]) -> list[str]:
    names = [c.strip() for c in cells]
    unknown = [n for n in names if _column(n) is None]
    if unknown:
        listed = ", ".join(f"«{n}»" for n in unknown)
        allowed = ", ".join(FIELDS)
        raise _csv_error(
            "UNKNOWN_COLUMNS",
            f"Неизвестные столбцы: {listed}. Допустимые: {allowed}.",
            f"Unknown columns: {listed}. Allowed: {allowed}.",
        )
    fields = [_column(n) or "" for n in names]
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        raise _csv_error(
            "REPEATED_COLUMNS",
            f"Столбцы повторяются: {', '.join(repeated)}.",
            f"Repeated columns: {', '.join(repeated)}.",
        )
    missing = [f for f in REQUIRED if f not in fields]
    if "reportId" not in fields and not {"inn", "formCode", "periodYear", "periodCode"} <= set(
        fields
    ):
        missing.insert(0, "reportId")
    if missing:
        raise _csv_error(
            "MISSING_COLUMNS",
            f"Нет обязательных столбцов: {', '.join(missing)} (отчёт — reportId либо inn, "
            "formCode, periodYear, periodCode).",
            f"Required columns missing: {', '.join(missing)} (the report: reportId, or inn, "
            "formCode, periodYear, periodCode).",
        )
    return fields


def read_csv(text: str) -> list[dict[str, Any]]:
    """A CSV file with a header row (see the module docstring): UTF-8 with or without BOM,
    `,` `;` or tab, any line endings, quoted fields with delimiters and newlines inside."""
    text = text.removeprefix("\ufeff")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    if not first.strip():
        raise _csv_error("EMPTY_CSV", "Файл CSV пуст.", "The CSV file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    fields: list[str] | None = None
    items: list[dict[str, Any]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # a blank line (trailing ones from Excel, too)
            if fields is None:
                fields = _header(cells)
                continue
            if len(cells) != len(fields):
                error = _invalid(
                    "FIELD_COUNT",
                    f"В строке {len(cells)} полей, в заголовке {len(fields)}.",
                    f"The row has {len(cells)} fields, the header {len(fields)}.",
                )
                items.append({"line": line, "error": error_entry(line, error)})
                continue
            row = {f: v for f, v in zip(fields, cells, strict=True) if v.strip()}
            items.append(row_item(line, row))
    except csv.Error as exc:
        raise _csv_error(
            "INVALID_CSV",
            f"CSV не читается со строки {start}: {exc}.",
            f"The CSV cannot be read from line {start}: {exc}.",
        ) from exc
    if fields is None:
        raise _csv_error("EMPTY_CSV", "Файл CSV пуст.", "The CSV file is empty.")
    if not items:
        raise _csv_error(
            "NO_ROWS",
            "В файле только заголовок: нет строк для импорта.",
            "The file has only a header: no rows to import.",
        )
    if size_error := _size_error("csv", len(items)):
        raise size_error
    return items


def read_import(json_lines: str | None, csv_text: str | None) -> list[dict[str, Any]]:
    """The submitted file's items; exactly one of the two formats."""
    if (json_lines is None) == (csv_text is None):
        raise _invalid(
            "ONE_FORMAT",
            "Передайте ровно один файл: jsonLines или csv.",
            "Give exactly one of jsonLines or csv.",
            "csv" if json_lines is not None else "jsonLines",
        )
    return read_json_lines(json_lines) if json_lines is not None else read_csv(csv_text or "")

"""Where a partner's list really starts and ends (issue 22).

Lists kept in Excel start with a title ("Hilfsangebote im Landkreis Gotha – Stand November
2026"), an empty row or two, then the header; below the data there is often a note
("Hinweis: Angaben ohne Gewähr"). The reader (importers/readers.py) takes the first row as
the header and knows nothing about contacts; here the header is found among the first
HEADER_SEARCH_ROWS rows as the first one whose cells are mostly known (or mapped) column
names. Rows above it and empty rows are skipped and the report says so; row numbers stay
the spreadsheet's own. Rows below the data with a single filled cell are notes: reported
and skipped, not invalid contacts (a contact needs at least name, scope and kind).

Only rows the reader has read are looked at: its limits (IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS)
hold before anything here runs, and rows above the header count towards IMPORT_MAX_ROWS.
"""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from importers.columns import canonical_column
from importers.readers import HEADER_SEARCH_ROWS, Cell, Table
from importers.validate import RowError


def table_layout(table: Table, columns: dict[str, str] | None) -> tuple[Table, list[RowError]]:
    """The table from its header row on, without note rows, and what the report says
    about the rows left out. JSON names its columns in every object, an HSDS data package
    in its datapackage.json: nothing to find."""
    if table.format not in ("csv", "xlsx"):
        return table, []
    candidates = [(table.header_row, [Cell(h) for h in table.headers])]
    candidates += [(number, cells) for number, cells in table.rows if number <= HEADER_SEARCH_ROWS]
    chosen = _header_choose(candidates, columns)
    header_row, header_cells = candidates[chosen]
    headers = [c.text for c in header_cells]
    while headers and not headers[-1].strip():
        headers.pop()
    rows = [(number, cells) for number, cells in table.rows if number > header_row]
    notices: list[RowError] = []
    if header_row > table.header_row:
        skipped = _span(table.header_row, header_row - 1)
        notices.append(RowError(None, None, "", ngettext(
            "Kopfzeile in Zeile %(row)s erkannt; Zeile %(skipped)s übersprungen",
            "Kopfzeile in Zeile %(row)s erkannt; Zeilen %(skipped)s übersprungen",
            header_row - table.header_row) % {"row": header_row, "skipped": skipped}))
    notes = []
    while len(rows) > 1 and _filled(rows[-1][1]) == 1:
        notes.append(rows.pop())
    if rows:
        present = {number for number, _cells in rows}
        empty = [number for number in range(header_row + 1, rows[-1][0]) if number not in present]
        if empty:
            notices.append(RowError(None, None, "", ngettext(
                "Zeile %(rows)s ist leer und wurde übersprungen", "Zeilen %(rows)s sind leer und wurden übersprungen",
                len(empty)) % {"rows": _numbers(empty)}))
    for number, cells in reversed(notes):
        text = next(c.text.strip() for c in cells if c.text.strip())
        notices.append(RowError(number, None, text, _("steht unter der Liste und ist eine Anmerkung, kein Kontakt; übersprungen")))
    found = dataclasses.replace(table, headers=headers, rows=rows, details={**table.details, "header_row": str(header_row)},
                                header_row=header_row)
    return found, notices


def _filled(cells: list[Cell]) -> int:
    return sum(1 for c in cells if c.text.strip())


def _known(cells: list[Cell], columns: dict[str, str] | None) -> tuple[int, int]:
    texts = [c.text.strip() for c in cells if c.text.strip()]
    return sum(1 for t in texts if canonical_column(t, columns) is not None), len(texts)


def _header_choose(candidates: list[tuple[int, list[Cell]]], columns) -> int:
    """The first row whose cells are mostly known headers; a row right below it that names
    more of them wins (a two-row header whose merged cells read down). With none, the row
    with the most known headers, else the first with two or more cells: its unknown
    headers are then reported, and can be mapped."""
    scores = [_known(cells, columns) for _number, cells in candidates]
    for index, (known, filled) in enumerate(scores):
        if filled >= 2 and known * 2 > filled:
            while index + 1 < len(scores) and candidates[index + 1][0] == candidates[index][0] + 1 \
                    and scores[index + 1][0] > known and scores[index + 1][0] * 2 > scores[index + 1][1]:
                index += 1
                known = scores[index][0]
            return index
    best = max(range(len(scores)), key=lambda i: (scores[i][0], -i))
    if scores[best][0]:
        return best
    return next((i for i, (_known_count, filled) in enumerate(scores) if filled >= 2), 0)


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _numbers(numbers: list[int], shown: int = 10) -> str:
    """ [4, 5, 6, 9] → "4–6, 9"; more than `shown` runs end in "…"."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    text = ", ".join(_span(a, b) for a, b in runs[:shown])
    return text + (", …" if len(runs) > shown else "")

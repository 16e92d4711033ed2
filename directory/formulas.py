"""The one guard against spreadsheet formula injection (OWASP "CSV injection"), used by
every export: the importer's (importers/export.py) and the API's CSV (api/renderers.py).

A cell that starts with one of these characters may be run as a formula by a spreadsheet
(tab and carriage return too: some spreadsheets skip them and read the formula behind).
Such a cell gets a leading apostrophe, which spreadsheets show as text; the importer
removes that one apostrophe again (importers/validate.py), so an export re-imports to the
same values.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text

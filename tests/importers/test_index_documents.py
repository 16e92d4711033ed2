"""The compound splitter's SQLite copy of the n-grams splits as the compound_split package
does, and the command that prepares it reports where it is."""

import pytest

from search.german import split_compound

pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("word", ["Opferberatung", "Hasskriminalität", "Onlinewache", "Erfurt", "Betroffenenberatung",
                                  "Landeskriminalamt", "Präventionsstelle", "Straßen-Haltestelle", "Ab", "Wachstumsgrenze"])
def test_the_sqlite_copy_splits_as_the_package_does(word):
    from compound_split import char_split

    assert split_compound(word) == char_split.split_compound(word)


def test_prepare_compound_splitter_reports_the_table():
    import io
    import sqlite3

    from django.core.management import call_command

    out = io.StringIO()
    call_command("prepare_compound_splitter", stdout=out)
    path = out.getvalue().strip().split(": ", 1)[1]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("SELECT prob FROM ngram WHERE ngram = 'beratung' AND kind = 0").fetchone() is not None

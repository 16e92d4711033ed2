"""Importer messages are German first (LANGUAGE_CODE), English when English is active.

The other importer tests run under English (conftest.py, fixture `english`); this module
turns that off, so what it sees is the default a German administrator gets.
"""

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from directory.models import District, Scope, State
from directory.services import COVERAGE_REASONS, coverage_errors
from importers import validate
from importers.readers import table_read
from importers.validate import rows_validate
from tests.importers.conftest import ERFURT, HEADER, MUNICH, csv_bytes, row, run
from tests.importers.test_parallel_import import spy_pool

pytestmark = pytest.mark.django_db

BAD = [
    dict(ERFURT, postcode="1234"),
    row(source_id="b", name="", kinds="helping", scope="überall", phone="12"),
    dict(MUNICH, email="kein@", opening_hours="immer"),
]
GERMAN = [
    'Zeile 2, Spalte "postcode": "1234" ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern',
    'Zeile 3, Spalte "name": darf nicht leer sein',
    ('Zeile 3, Spalte "kinds": "helping" ist nicht bekannt; möglich sind Notruf, Polizeidienststelle, Onlinewache, '
     "LKA / Staatsschutz, Staatsanwaltschaft (Zentralstelle Hasskriminalität), Opferberatung, Psychologische Beratung, "
     "Rechtsberatung, Mobile Beratung gegen Rechtsextremismus, Meldestelle für Hass im Netz, Kommunaler Spitzenverband, "
     "Prävention und Schulung, Behörde"),
    ('Zeile 3, Spalte "scope": "überall" ist keine Zuständigkeit; bitte bundesweit, landesweit, kreisweit oder lokal angeben '
     "(national, state, district, local)"),
    'Zeile 3, Spalte "phone": "12" ist keine gültige Telefonnummer; bitte wie 0711 5401-3003 oder +49 711 54013003 schreiben',
    'Zeile 4, Spalte "email": "kein@" ist keine E-Mail-Adresse',
]
ENGLISH = [
    'row 2, column "postcode": "1234" is not a postcode',
    'row 3, column "name": is required',
    ('row 3, column "kinds": "helping" is not known; use one of Emergency number, Police station, Online police station, '
     "State criminal police / state security, Public prosecutor (hate crime unit), Victim support, "
     "Psychological counselling, Legal advice, Mobile counselling against right-wing extremism, "
     "Reporting office for online hate, Municipal association, Prevention and training, Public authority"),
    'row 3, column "scope": "überall" is not a scope; use bundesweit, landesweit, kreisweit or lokal (national, state, district, local)',
    'row 3, column "phone": "12" is not a valid phone number; write it like 0711 5401-3003 or +49 711 54013003',
    'row 4, column "email": "kein@" is not an email address',
]


@pytest.fixture(autouse=True)
def english():
    """Overrides conftest.english: no language activated, so LANGUAGE_CODE (German) holds."""
    yield


def test_a_bad_file_is_reported_in_german_by_default():
    report = run(csv_bytes(BAD))
    assert [e.message for e in report.errors] == GERMAN
    first = report.errors[0].as_dict()
    assert first == {"row": 2, "column": "postcode", "value": "1234", "reason": "ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern",
                     "message": GERMAN[0]}


def test_the_same_file_is_reported_in_english_when_english_is_active():
    with translation.override("en"):
        report = run(csv_bytes(BAD))
    assert [e.message for e in report.errors] == ENGLISH


def test_languages_do_not_leak_through_memos_in_one_process():
    # Postcodes, phones and coverage are memoized per import; each run speaks its language.
    data = csv_bytes([dict(ERFURT, postcode="00000"), row(source_id="n", name="N", scope="bundesweit", districts="16051")])
    german = [e.message for e in run(data, dry_run=True).errors]
    with translation.override("en"):
        english = [e.message for e in run(data, dry_run=True).errors]
    assert german == [
        'Zeile 2, Spalte "postcode": "00000" ist keine bekannte deutsche Postleitzahl',
        ('Zeile 3, Spalte "scope": "bundesweit" passt nicht zum Zuständigkeitsgebiet: '
         "ein bundesweiter Kontakt ist nicht für einzelne Bundesländer oder Kreise zuständig"),
    ]
    assert english == [
        'row 2, column "postcode": "00000" is not a known German postcode',
        'row 3, column "scope": "bundesweit" contradicts the coverage: a nationwide contact covers no single states or districts',
    ]


def test_every_coverage_reason_has_a_german_text():
    state, district = State.objects.first(), District.objects.first()
    reasons = set()
    for scope, states, districts in itertools.product(Scope.values, ([], [state]), ([], [district])):
        reasons.update(coverage_errors(scope, states, districts))
    assert reasons == set(COVERAGE_REASONS)
    with translation.override("en"):
        assert all(translation.gettext(german) == english for english, german in COVERAGE_REASONS.items())


def test_rows_checked_in_the_pool_are_reported_in_german(monkeypatch):
    monkeypatch.setattr(validate, "DEAL", 1)  # runs of one row, dealt between this process and the pool
    submitted = spy_pool(monkeypatch)
    bad = [row(source_id=f"r{i}", name=f"Stelle {i}", scope="national", email=f"kein{i}@") for i in range(8)]
    table = table_read(csv_bytes(bad, header=HEADER + ["organisation"]), "contacts.csv")
    with override_settings(IMPORT_PARALLEL_MIN_ROWS=2, IMPORT_PARALLEL_PROCESSES=2):
        messages = [e.message for e in rows_validate(table).errors]
    assert submitted == [[6], [7]]  # rows 8 and 9 were checked in the pool
    assert messages == [f'Zeile {i + 2}, Spalte "email": "kein{i}@" ist keine E-Mail-Adresse' for i in range(8)]


def test_file_errors_are_german_with_german_number_grouping(settings):
    settings.IMPORT_MAX_BYTES = 1000
    report = run(b"name,scope\n" + b"x" * 1200, dry_run=True)
    assert [e.message for e in report.errors] == [
        "die Datei hat 1.211 Bytes; erlaubt sind höchstens 1.000 Bytes (IMPORT_MAX_BYTES); bitte in kleinere Dateien aufteilen"
    ]
    assert run(b"", dry_run=True).errors[0].message == "die Datei ist leer"
    assert [e.message for e in run(csv_bytes([ERFURT], header=HEADER + ["Faxnummer"]), dry_run=True).errors] == [
        ('Spalte "Faxnummer": ist keine bekannte Spalte; bitte in eine Standardspalte umbenennen (siehe fixtures/import/README.md) '
         "oder mit einer Zuordnungsdatei zuordnen (--mapping)")
    ]


def test_the_admin_preview_shows_german_errors_to_a_german_admin(admin_client, settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # The worker writes the messages in the language of the admin who uploaded the file.
    upload = {"file": SimpleUploadedFile("liste.csv", csv_bytes(BAD)), "source": "partner"}
    response = admin_client.post("/admin/importers/importrun/upload/", upload)
    body = admin_client.get(response["Location"]).content.decode().replace("&quot;", '"')
    assert "Nicht importiert: die Datei hat Fehler" in body
    for message in GERMAN:
        assert f"<li>{message}</li>" in body
    upload = {"file": SimpleUploadedFile("liste.csv", csv_bytes(BAD)), "source": "partner"}
    response = admin_client.post("/admin/importers/importrun/upload/", upload, HTTP_ACCEPT_LANGUAGE="en")
    body = admin_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<li>{ENGLISH[0]}</li>" in body.replace("&quot;", '"')


def test_the_command_speaks_german_unless_told_otherwise(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([dict(ERFURT, postcode="8000"), MUNICH]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"nichts importiert: 1 Fehler"):
        call_command("import_contacts", str(path), "--source", "partner", stdout=out, stderr=err)
    assert 'Zeile 2, Spalte "postcode": "8000" ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern' in err.getvalue()
    assert "+ Zeile 3: BEFORE Beratungsstelle\n2 Zeilen: 1 neu, 0 geändert, 0 unverändert, 0 deaktiviert, 1 fehlerhaft " \
        "(würden in Quelle partner übernommen; Lauf " in out.getvalue()

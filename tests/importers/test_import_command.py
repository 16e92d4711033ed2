"""`manage.py import_contacts`: a thin command around the import service."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.models import Contact
from importers.models import ImportRun
from tests.importers.conftest import ERFURT, MUNICH, csv_bytes

pytestmark = pytest.mark.django_db


def call(*args, language="en"):
    """The command speaks LANGUAGE_CODE (German) unless told otherwise; these tests assert
    the English wording (--language en), test_messages_german.py the German one."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_contacts", *args, *(("--language", language) if language else ()), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([ERFURT, MUNICH]))
    out, _ = call(str(path), "--source", "partner", "--dry-run")
    assert "+ row 2: ezra Opferberatung" in out
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 deactivated, 0 invalid (would be applied to source partner" in out
    assert not Contact.objects.exists()


def test_real_run_then_update_shows_old_and_new(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([ERFURT, MUNICH]))
    call(str(path), "--source", "partner")
    path.write_bytes(csv_bytes([dict(ERFURT, email="neu@ezra.de"), MUNICH]))
    out, _ = call(str(path), "--source", "partner")
    assert "~ row 2: ezra Opferberatung (email: 'info@ezra.de' → 'neu@ezra.de')" in out
    assert Contact.objects.get(external_id="ezra").email == "neu@ezra.de"


def test_errors_exit_non_zero_and_import_nothing(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([dict(ERFURT, postcode="8000"), MUNICH]))
    with pytest.raises(CommandError, match=r"nothing imported: 1 error\(s\)"):
        call(str(path), "--source", "partner")
    assert not Contact.objects.exists()
    assert ImportRun.objects.get().status == "rejected"


def test_skip_invalid_and_mapping_options(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes([["x", "A", "legal", "national"], ["y", "B", "nonsense", "national"]], header=["Nr", "Einrichtung", "kinds", "scope"]))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Einrichtung": "name"}))
    out, err = call(str(path), "--source", "partner", "--skip-invalid", "--mapping", str(mapping))
    assert 'row 3, column "kinds": "nonsense" is not known' in err
    assert list(Contact.objects.values_list("name", flat=True)) == ["A"]

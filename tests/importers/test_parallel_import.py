"""Large imports check their rows in a process pool as well (importers/validate.py,
concurrent.futures). With the threshold set low, small files take that path here:
the outcome must be exactly what one process computes, and a child that fails must cost
time only, never a row or a document."""

import pytest
from django.test import override_settings

from directory.models import Contact
from importers import validate
from importers.readers import table_read
from importers.validate import rows_validate
from tests.importers.conftest import ERFURT, HEADER, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db

PARALLEL = override_settings(IMPORT_PARALLEL_MIN_ROWS=2, IMPORT_PARALLEL_PROCESSES=2)
SEQUENTIAL = override_settings(IMPORT_PARALLEL_MIN_ROWS=0)


def spy_pool(monkeypatch) -> list:
    """Record the runs of rows handed to the pool (the real pool checks them): a run the
    pool did not deliver would fail the import, but the results alone cannot show that
    the pool was used at all."""
    submitted = []
    real = validate.ProcessPoolExecutor

    class Recording(real):
        def submit(self, fn, *args, **kwargs):
            submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(validate, "ProcessPoolExecutor", Recording)
    return submitted


def _mixed_rows() -> list[dict]:
    rows = [row(source_id=f"r{i}", name=f"Beratungsstelle {i}", postcode="99084", town="Erfurt", states="TH",
                scope="landesweit", phone=f"0361 2188 {6700 + i}") for i in range(12)]
    rows[3] = row(source_id="r3", name="Ohne PLZ", town="Alsdorf", scope="national")  # a town in 3 districts: a warning
    rows[4] = row(source_id="r4", name="Nur Ort", town="Erfurt", scope="national")  # a town alone
    rows[7] = row(source_id="r1", name="Doppelt", scope="national")  # duplicates a row in the first half
    rows[9] = row(source_id="r9", name="Falsch", scope="landesweit", states="XX", email="kein@")  # errors
    rows[10] = row(source_id="r10", name="Falsche PLZ", postcode="99999", scope="national")
    return rows + [ERFURT, MUNICH]


def _summary(validation) -> tuple:
    return (
        [(r.row, r.key, r.values, r.fingerprint, r.contact_id) for r in validation.records],
        [e.as_dict() for e in validation.errors],
        [w.as_dict() for w in validation.warnings],
        sorted(validation.invalid_rows),
        sorted(validation.invalid_keys),
    )


def test_rows_checked_in_the_pool_equal_rows_checked_here(monkeypatch):
    monkeypatch.setattr(validate, "DEAL", 1)  # runs of one row, dealt between this process and the pool
    table = table_read(csv_bytes(_mixed_rows(), header=HEADER + ["organisation"]), "contacts.csv")
    with SEQUENTIAL:
        alone = rows_validate(table)
    submitted = spy_pool(monkeypatch)
    with PARALLEL:
        shared = rows_validate(table)
    assert _summary(shared) == _summary(alone)
    assert submitted == [[6], [7], [8], [9], [10]]  # runs dealt: six here, then five to the pool, then three here
    # The checks really ran: a duplicate across the two halves, errors, a warning.
    messages = [e.message for e in shared.errors]
    assert any("also appears in row 9" in m for m in messages)
    assert any("is not a German state" in m for m in messages)
    assert any("is not a known German postcode" in m for m in messages)
    assert any("districts" in w.message for w in shared.warnings)




def test_a_small_file_is_checked_in_this_process_alone(monkeypatch):
    submitted = spy_pool(monkeypatch)
    table = table_read(csv_bytes(_mixed_rows(), header=HEADER + ["organisation"]), "contacts.csv")
    with override_settings(IMPORT_PARALLEL_MIN_ROWS=100):
        assert rows_validate(table).records
    assert submitted == []


def test_an_import_checked_in_the_pool_applies_like_any_other():
    rows = [row(source_id=f"p{i}", name=f"Stelle {i}", postcode="99084", scope="landesweit", states="TH") for i in range(6)]
    with PARALLEL:
        report = run(csv_bytes(rows))
    assert report.applied and report.counts["created"] == 6
    assert Contact.objects.filter(source__slug="partner").count() == 6

"""load_guidance: the fixture file into the database (issue 16). The whole file is checked
first and every problem listed (nothing written then); loading again writes nothing; a step
edited in the admin is kept unless --overwrite; steps gone from the file are switched off."""

import json

import pytest
from django.core.management import CommandError, call_command

from importers.demo import demo_load
from directory.models import Contact
from guidance.loader import STEPS_FILE, StepFileError, steps_load
from guidance.models import Step

pytestmark = pytest.mark.django_db


def record(slug="secure-evidence", **changes):
    base = {
        "slug": slug, "order": 20, "incidents": ["online_hate"], "states": [], "replaces": None,
        "title_de": "Beweise sichern", "title_en": "Secure the evidence",
        "summary_de": "URL und Screenshot sichern.", "summary_en": "Save the URL and a screenshot.",
        "body_de": "", "body_en": "", "kinds": ["police_online"], "contacts": [], "services": [],
        "sources": ["https://example.org/beweise"], "law": [], "last_reviewed": "2026-12-04",
    }
    return {**base, **changes}


def write(tmp_path, records, name="steps.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def demo():
    demo_load()


def test_the_starter_file_loads_with_every_source_law_and_named_contact(demo):
    records = json.loads(STEPS_FILE.read_text(encoding="utf-8"))
    report = steps_load()
    assert len(report.created) == len(records) == 40
    for item in records:
        step = Step.objects.get(slug=item["slug"])
        assert step.sources == item["sources"] and len(step.sources) >= 1
        assert step.law == item["law"]
        assert sorted(step.contacts.values_list("external_id", flat=True)) == sorted(item["contacts"])
        assert sorted(step.states.values_list("code", flat=True)) == sorted(item["states"])
    bavaria = Step.objects.get(slug="report-online-by-aum")
    assert bavaria.replaces.slug == "report-online-hate-form"
    assert {c.external_id for c in bavaria.contacts.all()} == {"by-aum-meldeverfahren", "by-hate-speech-beauftragter"}


def test_every_step_of_the_starter_file_keeps_a_source_and_careful_law(demo):
    steps_load()
    for step in Step.objects.all():
        assert step.sources and all(url.startswith(("https://", "http://")) for url in step.sources), step.slug
    # The research report's corrections (issue 16): stalking is not simply prosecuted ex
    # officio, and the prosecutor acting without a complaint is a "kann", never a promise.
    stalking = Step.objects.get(slug="stalking-no-contact-log")
    assert "in der Regel ein Strafantrag nötig" in stalking.body_de
    section_188 = Step.objects.get(slug="section-188-political-life")
    assert "kann die Staatsanwaltschaft" in section_188.body_de
    assert "§ 194 Abs. 1" in section_188.notes  # the open question stays with the step


def test_loading_again_writes_nothing(demo):
    steps_load()
    before = dict(Step.objects.values_list("slug", "updated_at"))
    report = steps_load()
    assert report.written == 0 and len(report.unchanged) == 40
    assert dict(Step.objects.values_list("slug", "updated_at")) == before


def test_a_changed_record_updates_its_step(tmp_path, db):
    steps_load(write(tmp_path, [record()]))
    report = steps_load(write(tmp_path, [record(title_de="Beiträge sichern")]))
    assert report.updated == ["secure-evidence"]
    assert Step.objects.get().title_de == "Beiträge sichern"


def test_a_step_edited_in_the_admin_is_kept_until_overwrite(tmp_path, db):
    steps_load(write(tmp_path, [record()]))
    Step.objects.filter(slug="secure-evidence").update(summary_de="Von der Redaktion verbessert.")
    changed = write(tmp_path, [record(title_de="Beiträge sichern")])
    report = steps_load(changed)
    assert report.kept == ["secure-evidence"] and report.written == 0
    assert Step.objects.get().summary_de == "Von der Redaktion verbessert."
    report = steps_load(changed, overwrite=True)
    assert report.updated == ["secure-evidence"]
    assert Step.objects.get().summary_de == "URL und Screenshot sichern."


def test_an_unchanged_file_keeps_what_the_admin_changed(tmp_path, db):
    path = write(tmp_path, [record()])
    steps_load(path)
    Step.objects.filter(slug="secure-evidence").update(active=False, title_de="Neu")
    assert steps_load(path).written == 0
    assert Step.objects.get().title_de == "Neu"


def test_a_step_removed_from_the_file_is_switched_off(tmp_path, db):
    steps_load(write(tmp_path, [record(), record("second")]))
    report = steps_load(write(tmp_path, [record()]))
    assert report.deactivated == ["second"]
    assert not Step.objects.get(slug="second").active


def test_a_variant_replaces_a_general_step_of_the_file(tmp_path, db):
    general = record()
    variant = record("secure-evidence-by", states=["by"], replaces="secure-evidence")
    steps_load(write(tmp_path, [variant, general]))  # order in the file does not matter
    assert Step.objects.get(slug="secure-evidence-by").replaces.slug == "secure-evidence"
    assert list(Step.objects.get(slug="secure-evidence-by").states.values_list("code", flat=True)) == ["BY"]


def test_every_problem_is_listed_and_nothing_is_written(tmp_path, db):
    records = [
        record("ok"),
        record("no-source", sources=[]),
        record("bad-url", sources=["example.org/ohne-schema"]),
        record("bad-incident", incidents=["bedrohung"]),
        record("all-and-more", incidents=["all", "threat"]),
        record("bad-state", states=["XX"]),
        record("bad-date", last_reviewed="4.12.2026"),
        record("general-replaces", replaces="ok"),
        record("variant", states=["BY"], replaces="ok"),
        record("variant-of-variant", states=["BY"], replaces="variant"),
        record("missing-contact", contacts=["xx-gibt-es-nicht"]),
        record("Bad Slug"),
        {"slug": "typo", "order": 1, "incidents": ["all"], "title_de": "T", "summary_de": "S",
         "sources": ["https://example.org"], "last_reviewed": "2026-12-04", "summary": "?"},
        record("ok"),
    ]
    with pytest.raises(StepFileError) as caught:
        steps_load(write(tmp_path, records))
    assert caught.value.problems == [
        'step 2 ("no-source"), field "sources": Give at least one source (URL).',
        'step 3 ("bad-url"), field "sources": "example.org/ohne-schema" is not a valid http(s) address.',
        'step 4 ("bad-incident"), field "incidents": "bedrohung" is not an incident type; known: coercion, defamation, '
        "doxxing, extremist_intimidation, incitement, insult, online_hate, physical_attack, property_damage, "
        "sexual_harassment, stalking, threat",
        'step 5 ("all-and-more"), field "incidents": "all" stands alone, not with other incident types',
        'step 5 ("all-and-more"), field "incidents": Either "for all incidents" or single incident types, not both.',
        'step 6 ("bad-state"), field "states": "XX" is not a state code; known: BB, BE, BW, BY, HB, HE, HH, MV, NI, '
        "NW, RP, SH, SL, SN, ST, TH",
        'step 7 ("bad-date"), field "last_reviewed": \'4.12.2026\' is not a date (YYYY-MM-DD)',
        'step 8 ("general-replaces"), field "replaces": Only a state variant (with a state) can replace a step.',
        'step 9 ("variant"), field "states": State variants replace this step (variant-of-variant); it must stay general.',
        'step 10 ("variant-of-variant"), field "replaces": Only a general step (without a state) can be replaced, not "variant".',
        'step 11 ("missing-contact"), field "contacts": no contact has the source id "xx-gibt-es-nicht" '
        "(load the contacts first: manage.py load_demo)",
        'step 12 ("Bad Slug"), field "slug": "Bad Slug" is not a slug (lowercase letters, digits and hyphens)',
        'step 13 ("typo"), field "summary" is not a step field (known: slug, order, incidents, title_de, summary_de, '
        "sources, last_reviewed, states, replaces, title_en, summary_en, body_de, body_en, kinds, contacts, services, law, notes)",
        'slug "ok" is used by 2 steps; each step needs its own',
    ]
    assert not Step.objects.exists()


def test_an_ambiguous_source_id_names_the_sources(tmp_path, db):
    from directory.models import Source

    for slug in ("liste-a", "liste-b"):
        Contact.objects.create(slug=f"c-{slug}", name="Hotline", scope="national", external_id="hotline",
                               source=Source.objects.create(slug=slug, name=slug))
    with pytest.raises(StepFileError) as caught:
        steps_load(write(tmp_path, [record(contacts=["hotline"])]))
    assert caught.value.problems == [
        'step 1 ("secure-evidence"), field "contacts": the source id "hotline" is ambiguous (sources liste-a, liste-b); '
        'write it as "source:hotline"'
    ]
    steps_load(write(tmp_path, [record(contacts=["liste-b:hotline"])]))
    assert Step.objects.get().contacts.get().source.slug == "liste-b"


def test_the_command_reports_and_fails_loudly(tmp_path, db, capsys):
    path = write(tmp_path, [record()])
    call_command("load_guidance", str(path))
    call_command("load_guidance", str(path))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "guidance steps: 1 new, 0 updated, 0 unchanged, 0 kept, 0 deactivated",
        "guidance steps: 0 new, 0 updated, 1 unchanged, 0 kept, 0 deactivated",
    ]
    with pytest.raises(CommandError) as caught:
        call_command("load_guidance", str(write(tmp_path, [record(order=0)], "bad.json")))
    assert str(caught.value).endswith('nothing loaded, 1 problem(s):\n  step 1 ("secure-evidence"), field "order": 0 is not a whole number from 1 to 32767')
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("load_guidance", str(tmp_path / "broken.json"))

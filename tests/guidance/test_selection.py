"""Which steps an official sees (issue 16): the general set without an incident, the
incident's steps with one, state variants that replace or add, most urgent first, at most
five on a results page; and which contacts of a result help with a step."""

import pytest

from guidance.selectors import step_helpers, steps_all, steps_for

pytestmark = pytest.mark.django_db


def slugs(steps):
    return [step.slug for step in steps]


def test_without_an_incident_only_the_steps_for_all_incidents_show(steps):
    assert slugs(steps_for(incidents=(), states=("TH",))) == ["acute", "document", "report", "counselling"]


def test_an_incident_adds_its_own_steps_most_urgent_first(steps):
    assert slugs(steps_for(incidents=("threat",), states=("TH",))) == [
        "acute", "document", "report", "online-form", "threat-report", "counselling",
    ]


def test_at_most_the_limit_and_the_most_urgent(steps):
    assert slugs(steps_for(incidents=("threat",), states=("TH",), limit=5)) == [
        "acute", "document", "report", "online-form", "threat-report",
    ]


def test_a_state_variant_takes_the_place_of_the_general_step_in_its_state_only(steps):
    bavaria = slugs(steps_for(incidents=("online_hate",), states=("BY",)))
    assert "online-form-by" in bavaria and "online-form" not in bavaria
    thuringia = slugs(steps_for(incidents=("online_hate",), states=("TH",)))
    assert "online-form" in thuringia and "online-form-by" not in thuringia


def test_an_additional_state_variant_shows_only_in_its_state(steps):
    assert "zamat-bw" in slugs(steps_for(incidents=(), states=("BW",)))
    assert "zamat-bw" not in slugs(steps_for(incidents=(), states=("BY",)))
    assert "zamat-bw" not in slugs(steps_for(incidents=(), states=()))


def test_a_variant_for_other_incidents_leaves_the_general_step(steps):
    # The Bavarian variant is for online hate and threats; an insult search in Bavaria
    # gets neither it nor the step it replaces (both are for other incidents).
    chosen = slugs(steps_for(incidents=("insult",), states=("BY",)))
    assert "online-form" not in chosen and "online-form-by" not in chosen


def test_a_switched_off_step_is_not_shown(steps):
    steps.acute.active = False
    steps.acute.save()
    assert "acute" not in slugs(steps_for(incidents=(), states=()))


def test_an_edit_shows_on_the_next_call(steps):
    assert steps_all()[0].title_de == "In akuter Gefahr: 110 wählen"
    steps.acute.title_de = "Sofort 110 anrufen"
    steps.acute.save()
    assert steps_all()[0].title_de == "Sofort 110 anrufen"


def test_a_step_links_its_named_contacts_first_then_the_most_specific_contacts_of_its_kinds(steps):
    report = next(step for step in steps_all() if step.slug == "report")
    hits = [
        ("near", {"id": 1, "name": "Beratung Erfurt", "slug": "b", "kinds": ["victim_support"]}),
        ("state", {"id": 2, "name": "Staatsanwaltschaft TH", "slug": "s", "kinds": ["prosecution"]}),
        ("state", {"id": 3, "name": "Onlinewache TH", "slug": "o", "kinds": ["police_online"]}),
        ("national", {"id": 4, "name": "Polizei-Notruf 110", "slug": "p", "kinds": ["emergency", "police"]}),
        ("state", {"id": 5, "name": "Polizei TH", "slug": "t", "kinds": ["police"]}),
    ]
    # Same group first (state before national), within it the kinds in reference order
    # (police, police_online, prosecution); a contact without the kinds never.
    assert [hit["id"] for hit in step_helpers(report, hits)] == [5, 3, 2]
    assert [hit["id"] for hit in step_helpers(report, hits, limit=5)] == [5, 3, 2, 4]


def test_named_contacts_come_before_the_kinds(steps, django_assert_num_queries):
    from directory.models import Contact

    hotline = Contact.objects.create(slug="hotline", name="Hotline", scope="national")
    steps.report.contacts.set([hotline])
    steps.report.save()
    report = next(step for step in steps_all() if step.slug == "report")
    hits = [("state", {"id": 5, "name": "Polizei TH", "slug": "t", "kinds": ["police"]}),
            ("national", {"id": hotline.pk, "name": "Hotline", "slug": "hotline", "kinds": []})]
    assert [hit["id"] for hit in step_helpers(report, hits)] == [hotline.pk, 5]


def test_the_steps_are_read_once_per_change_and_checked_at_most_once_a_second(steps, django_assert_num_queries, monkeypatch):
    from guidance import selectors

    steps_all()
    with django_assert_num_queries(0):  # within STAMP_SECONDS: the process's copy
        steps_all()
    monkeypatch.setattr(selectors, "STAMP_SECONDS", 0)
    with django_assert_num_queries(1):  # then the change stamp only
        steps_all()


def test_a_named_contact_switched_off_by_an_import_leaves_the_step(steps, monkeypatch):
    from directory.models import Contact
    from guidance import selectors

    monkeypatch.setattr(selectors, "STAMP_SECONDS", 0)  # other workers: within a second

    hotline = Contact.objects.create(slug="hotline", name="Hotline", scope="national")
    steps.report.contacts.set([hotline])
    steps.report.save()
    assert [ref.slug for ref in next(s for s in steps_all() if s.slug == "report").contacts] == ["hotline"]
    hotline.active = False
    hotline.save()  # the step itself is unchanged
    assert next(s for s in steps_all() if s.slug == "report").contacts == ()

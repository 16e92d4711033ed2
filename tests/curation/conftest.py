"""Roles of issue 19: Rita the reviewer, Otto the organisation editor (of the Beratungsverein
only), and two contacts: one of Otto's organisation, one of another."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from curation.models import EditorMembership
from curation.rules import REVIEWERS
from directory.models import Organisation
from tests.factories import make_contact

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(db):
    rita = User.objects.create_user("rita", password=PASSWORD, is_staff=True)
    rita.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    otto = User.objects.create_user("otto", password=PASSWORD, is_staff=True)
    admin = User.objects.create_superuser("ada", password=PASSWORD)
    return {"rita": rita, "otto": otto, "ada": admin}


@pytest.fixture
def contacts(people):
    own = Organisation.objects.create(name="Beratungsverein Thüringen", slug="beratungsverein")
    other = Organisation.objects.create(name="Anderer Träger", slug="anderer-traeger")
    EditorMembership.objects.create(user=people["otto"], organisation=own)
    mine = make_contact("Opferberatung Erfurt", scope="district", districts=["16051"], organisation=own,
                        kinds=["victim_support"], phones=[("Beratung", "+493615551234")], email="alt@example.org")
    theirs = make_contact("Fremde Beratung Jena", scope="district", districts=["16053"], organisation=other,
                          kinds=["victim_support"], phones=["+493641555000"])
    return {"mine": mine, "theirs": theirs, "own": own, "other": other}

"""Fixtures for the API tests: named contacts (a Munich district office, Bavarian and
Thuringian state-wide lines, a nationwide hotline without organisation), API clients and
administrator personas with tokens."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from api.models import ApiToken
from directory.models import Source
from rest_framework.test import APIClient

from directory.models import District, Organisation, Scope, Source
from tests.factories import make_contact

__all__ = ["make_contact", "token_client"]


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # Throttling has its own tests; elsewhere it would make results depend on test order.
    settings.API_THROTTLE_READ = ""
    settings.API_THROTTLE_WRITE = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def plain_static(settings):
    # No collectstatic in tests: the manifest storage would fail on the docs' asset URLs.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def contacts(db):
    source = Source.objects.create(slug="partner", name="Partner")
    ring = Organisation.objects.create(name="Weißer Ring e. V.", slug="weisser-ring", website="https://weisser-ring.de")
    munich = make_contact(
        name="Opferberatung München", channels=["phone"], scope=Scope.DISTRICT, kinds=["victim_support"], incidents=["threat", "insult"],
        targets=["officials"], districts=["09162"], organisation=ring, street="Marienplatz 8", postcode="80331",
        town="München", lat=48.137, lng=11.575, district=District.objects.get(ags="09162"),
        phones=[("Beratung", "+498912345678")], email="muenchen@example.org", website="https://example.org/muc",
        opening_hours="Mo-Fr 09:00-17:00; PH off", languages=["de", "en"], free_of_charge=True,
        source=source, external_id="M1", last_verified=datetime.date(2025, 3, 1),
        description_de="Beratung nach Bedrohung", description_en="Counselling after threats",
    )
    bavaria = make_contact(
        name="Landeskriminalamt Bayern Staatsschutz", channels=["phone"], targets=(), scope=Scope.STATE, kinds=["state_security"], incidents=["threat"],
        states=["BY"], phones=[("Zentrale", "+49891212-0".replace("-", ""))], source=source, external_id="B1",
    )
    thuringia = make_contact(
        name="ezra Thüringen", channels=["phone"], targets=(), scope=Scope.STATE, kinds=["victim_support"], incidents=["threat", "online_hate"],
        states=["TH"], source=source, external_id="T1", description_de="=HYPERLINK(\"http://evil\")",
    )
    national = make_contact(
        name="Hilfetelefon Hass im Netz", channels=["phone"], scope=Scope.NATIONAL, kinds=["reporting_office"],
        incidents=["online_hate", "insult"], targets=["everyone"], phones=[("Hotline", "116006")], open_24_7=True,
        source=source, external_id="N1",
    )
    inactive = make_contact(name="Alte Stelle", scope=Scope.NATIONAL, kinds=["legal"], incidents=(), targets=(),
                            channels=["phone"], active=False)
    return {"munich": munich, "bavaria": bavaria, "thuringia": thuringia, "national": national, "inactive": inactive}


def _user(username, *, perms=(), staff=False, superuser=False, sources=()):
    user = User.objects.create_user(username=username, password="x" * 20, is_staff=staff, is_superuser=superuser)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="importers", codename=codename))
    return user, api_token(user, sources)


def api_token(user, sources=()) -> str:
    """A knox token of the user that may import into these sources (created if missing)."""
    token, raw = ApiToken.objects.create(user=user, name=f"test {user.username}")
    token.sources.set([Source.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in sources])
    return raw


@pytest.fixture
def alice(db):
    """An administrator whose token may import into the source api-partner."""
    return _user("alice", perms=["add_importrun", "view_importrun"], staff=True, superuser=True, sources=["api-partner"])


@pytest.fixture
def bob(db):
    """A staff member without the import permission."""
    return _user("bob", staff=True)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client

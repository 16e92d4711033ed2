"""Output shapes of the v1 API (read-only; writes go through services)."""

from rest_framework import serializers

from directory.models import Contact, District, Phone, State
from directory.phones import phone_display


class TermSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name_de = serializers.CharField()
    name_en = serializers.CharField()
    description_de = serializers.CharField()
    description_en = serializers.CharField()


class StateSerializer(serializers.ModelSerializer):
    class Meta:
        model = State
        fields = ["code", "iso", "ags", "name", "name_en", "slug"]


class DistrictSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="state.code", help_text="Short state code, e.g. BY")

    class Meta:
        model = District
        fields = ["ags", "nuts3", "name", "short_name", "kind", "state", "slug", "lat", "lng"]


class OrganisationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    website = serializers.CharField()


class PhoneSerializer(serializers.Serializer):
    label = serializers.CharField()
    number = serializers.CharField(help_text="E.164, or the digits of a short service number such as 116006")
    display = serializers.SerializerMethodField()

    def get_display(self, phone) -> str:
        return phone_display(phone.number)


class PointSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class ProvenanceSerializer(serializers.Serializer):
    source = serializers.CharField(source="source.slug", allow_null=True, default=None)
    source_id = serializers.CharField(source="external_id")
    source_url = serializers.CharField()
    source_date = serializers.CharField(help_text="The date the source page shows: YYYY, YYYY-MM or YYYY-MM-DD; empty if none")
    last_verified = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField()


def _slugs():
    return serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")


class ContactSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(allow_null=True)
    kinds = _slugs()
    incident_types = _slugs()
    all_incidents = serializers.BooleanField(help_text="Helps with every incident type (incident_types is then empty)")
    target_groups = _slugs()
    channels = _slugs()
    point = serializers.SerializerMethodField()
    located_in_district = serializers.CharField(source="district.ags", allow_null=True, default=None)
    states = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    districts = serializers.SlugRelatedField(many=True, read_only=True, slug_field="ags")
    phones = PhoneSerializer(many=True)
    provenance = ProvenanceSerializer(source="*")
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id", "uuid", "slug", "name", "organisation", "kinds", "incident_types", "all_incidents", "target_groups",
            "channels", "description_de", "description_en", "street", "postcode", "town", "point", "located_in_district",
            "scope", "states", "districts", "phones", "email", "website", "online_report_url", "opening_hours",
            "open_24_7", "languages", "barrier_free", "anonymous", "free_of_charge", "provenance", "distance_km",
        ]

    def get_point(self, contact) -> PointSerializer(allow_null=True):
        return {"lat": contact.lat, "lng": contact.lng} if contact.has_point else None

    def get_distance_km(self, contact) -> float | None:
        distance2 = getattr(contact, "distance2", None)
        return None if distance2 is None else round(distance2**0.5, 1)


# --- Many contacts at once ----------------------------------------------------------------
# ContactSerializer over prefetched model instances spent most of a /api/v1/contacts/ page
# in Python (about 25 ms of ~30 ms for 20 contacts on the 2-core machine: ~260 model
# instances, a related manager per relation and contact, DRF's field machinery). The list
# and CSV endpoints build the same dictionaries from value rows instead: one query for the
# contacts, one per relation, no model instances. ContactSerializer stays the declaration
# (the OpenAPI schema, the detail endpoint); tests/api/test_contacts.py proves both give
# the same output for every contact.

_SCALARS = (
    "id", "uuid", "slug", "name", "description_de", "description_en", "street", "postcode", "town", "lat", "lng",
    "scope", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages", "barrier_free",
    "anonymous", "free_of_charge", "external_id", "source_url", "source_date", "last_verified", "updated_at",
    "all_incidents", "organisation_id", "organisation__uuid", "organisation__name", "organisation__website", "district__ags", "source__slug",
)
_RELATIONS = {  # output field → the related model's field shown
    "kinds": "slug", "incident_types": "slug", "target_groups": "slug", "channels": "slug",
    "states": "code", "districts": "ags",
}
_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


def _related_values(name: str, ids: list[int]) -> dict[int, list[str]]:
    """contact id → the shown values of one many-to-many relation, in the related model's
    own order (as the serializer's related manager gives them)."""
    field = Contact._meta.get_field(name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    ordering = [f"{target}__{key}" for key in field.related_model._meta.ordering]
    rows = (through.objects.filter(**{f"{source}_id__in": ids}).order_by(*ordering, "id")
            .values_list(f"{source}_id", f"{target}__{_RELATIONS[name]}"))
    values: dict[int, list[str]] = {}
    for contact_id, value in rows:
        values.setdefault(contact_id, []).append(value)
    return values


def contacts_data(keys: list[dict]) -> list[dict]:
    """ContactSerializer(...).data for these contacts, in this order. `keys` are rows with
    "pk" and, for a search near a point, "distance2" (squared km, api/selectors.py)."""
    ids = [key["pk"] for key in keys]
    if not ids:
        return []
    rows = {row["id"]: row for row in Contact.objects.filter(pk__in=ids).values(*_SCALARS)}
    related = {name: _related_values(name, ids) for name in _RELATIONS}
    phones: dict[int, list[dict]] = {}
    for contact_id, label, number in (Phone.objects.filter(contact_id__in=ids).order_by("position", "id")
                                      .values_list("contact_id", "label", "number")):
        phones.setdefault(contact_id, []).append({"label": label, "number": number, "display": phone_display(number)})
    data = []
    for key in keys:
        row, pk = rows[key["pk"]], key["pk"]
        distance2 = key.get("distance2")
        data.append({
            "id": pk,
            "uuid": str(row["uuid"]),
            "slug": row["slug"],
            "name": row["name"],
            "organisation": None if row["organisation_id"] is None else {
                "uuid": str(row["organisation__uuid"]), "name": row["organisation__name"],
                "website": row["organisation__website"],
            },
            "kinds": related["kinds"].get(pk, []),
            "incident_types": related["incident_types"].get(pk, []),
            "all_incidents": row["all_incidents"],
            "target_groups": related["target_groups"].get(pk, []),
            "channels": related["channels"].get(pk, []),
            "description_de": row["description_de"],
            "description_en": row["description_en"],
            "street": row["street"],
            "postcode": row["postcode"],
            "town": row["town"],
            "point": {"lat": row["lat"], "lng": row["lng"]} if row["lat"] is not None and row["lng"] is not None else None,
            "located_in_district": row["district__ags"],
            "scope": row["scope"],
            "states": related["states"].get(pk, []),
            "districts": related["districts"].get(pk, []),
            "phones": phones.get(pk, []),
            "email": row["email"],
            "website": row["website"],
            "online_report_url": row["online_report_url"],
            "opening_hours": row["opening_hours"],
            "open_24_7": row["open_24_7"],
            "languages": row["languages"],
            "barrier_free": row["barrier_free"],
            "anonymous": row["anonymous"],
            "free_of_charge": row["free_of_charge"],
            "provenance": {
                "source": row["source__slug"],
                "source_id": row["external_id"],
                "source_url": row["source_url"],
                "source_date": row["source_date"],
                "last_verified": None if row["last_verified"] is None else _DATE.to_representation(row["last_verified"]),
                "updated_at": _DATETIME.to_representation(row["updated_at"]),
            },
            "distance_km": None if distance2 is None else round(distance2**0.5, 1),
        })
    return data

"""Output shapes of the v1 API (read-only; writes go through services)."""

from rest_framework import serializers

from directory.models import District, State
from curation.services import is_stale
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
    display = serializers.CharField(help_text="as written in Germany, e.g. 0711 54013003")


class PointSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class ProvenanceSerializer(serializers.Serializer):
    source = serializers.CharField(allow_null=True)
    source_id = serializers.CharField()
    source_url = serializers.CharField()
    source_date = serializers.CharField(help_text="The date the source page shows: YYYY, YYYY-MM or YYYY-MM-DD; empty if none")
    last_verified = serializers.DateField(allow_null=True)
    stale = serializers.BooleanField(help_text="Not verified for VERIFY_AFTER_DAYS days (or never): check before relying on it")
    updated_at = serializers.DateTimeField()


def _codes(help_text: str):
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


class ContactSerializer(serializers.Serializer):
    """One contact as directory.selectors.contacts_read gives it (plus `distance_km` when a
    list is ordered by distance). The fields declare the shape (the OpenAPI schema);
    to_representation builds it directly from the read values: DRF's per-field machinery
    was most of a list page's time (about 25 ms of ~30 ms for 20 contacts, issue 8)."""

    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    organisation = OrganisationSerializer(allow_null=True)
    kinds = _codes("contact kind slugs")
    incident_types = _codes("incident type slugs")
    all_incidents = serializers.BooleanField(help_text="Helps with every incident type (incident_types is then empty)")
    target_groups = _codes("target group slugs")
    channels = _codes("contact channel slugs")
    description_de = serializers.CharField()
    description_en = serializers.CharField()
    street = serializers.CharField()
    postcode = serializers.CharField()
    town = serializers.CharField()
    point = PointSerializer(allow_null=True)
    located_in_district = serializers.CharField(allow_null=True, help_text="AGS of the district the office is in")
    scope = serializers.ChoiceField(choices=["national", "state", "district", "local"])
    states = _codes("covered states (short codes)")
    districts = _codes("covered districts (AGS)")
    phones = PhoneSerializer(many=True)
    email = serializers.CharField()
    website = serializers.CharField()
    online_report_url = serializers.CharField()
    opening_hours = serializers.CharField()
    open_24_7 = serializers.BooleanField()
    languages = _codes("ISO 639-1 codes")
    barrier_free = serializers.BooleanField(allow_null=True)
    anonymous = serializers.BooleanField(allow_null=True)
    free_of_charge = serializers.BooleanField(allow_null=True)
    provenance = ProvenanceSerializer()
    distance_km = serializers.FloatField(allow_null=True)

    def to_representation(self, contact: dict) -> dict:
        lat, lng = contact["lat"], contact["lng"]
        distance = contact.get("distance_km")
        return {
            "id": contact["id"],
            "uuid": contact["uuid"],
            "slug": contact["slug"],
            "name": contact["name"],
            "organisation": contact["organisation"],
            "kinds": contact["kinds"],
            "incident_types": contact["incident_types"],
            "all_incidents": contact["all_incidents"],
            "target_groups": contact["target_groups"],
            "channels": contact["channels"],
            "description_de": contact["description_de"],
            "description_en": contact["description_en"],
            "street": contact["street"],
            "postcode": contact["postcode"],
            "town": contact["town"],
            "point": {"lat": lat, "lng": lng} if lat is not None and lng is not None else None,
            "located_in_district": contact["district"],
            "scope": contact["scope"],
            "states": contact["states"],
            "districts": contact["districts"],
            "phones": [{**phone, "display": phone_display(phone["number"])} for phone in contact["phones"]],
            "email": contact["email"],
            "website": contact["website"],
            "online_report_url": contact["online_report_url"],
            "opening_hours": contact["opening_hours"],
            "open_24_7": contact["open_24_7"],
            "languages": contact["languages"],
            "barrier_free": contact["barrier_free"],
            "anonymous": contact["anonymous"],
            "free_of_charge": contact["free_of_charge"],
            "provenance": {
                "source": contact["source"],
                "source_id": contact["external_id"],
                "source_url": contact["source_url"],
                "source_date": contact["source_date"],
                "last_verified": None if contact["last_verified"] is None else _DATE.to_representation(contact["last_verified"]),
                "stale": is_stale(contact["last_verified"]),
                "updated_at": _DATETIME.to_representation(contact["updated_at"]),
            },
            "distance_km": None if distance is None else round(distance, 1),
        }

"""Output shapes of the v1 API (read-only; writes go through services)."""

from rest_framework import serializers

from directory.models import Contact, District, State
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
    last_verified = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField()


def _slugs():
    return serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")


class ContactSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(allow_null=True)
    kinds = _slugs()
    incident_types = _slugs()
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
            "id", "uuid", "slug", "name", "organisation", "kinds", "incident_types", "target_groups", "channels",
            "description_de", "description_en", "street", "postcode", "town", "point", "located_in_district",
            "scope", "states", "districts", "phones", "email", "website", "online_report_url", "opening_hours",
            "open_24_7", "languages", "barrier_free", "anonymous", "free_of_charge", "provenance", "distance_km",
        ]

    def get_point(self, contact) -> PointSerializer(allow_null=True):
        return {"lat": contact.lat, "lng": contact.lng} if contact.has_point else None

    def get_distance_km(self, contact) -> float | None:
        distance2 = getattr(contact, "distance2", None)
        return None if distance2 is None else round(distance2**0.5, 1)

"""The query model's parameters as a django-filter FilterSet: one declaration that the
pages, the API's search and contact list read their query through, and that DRF's filter
backend and drf-spectacular document the API's parameters from.

Validation is the query model's own (search/query.py parse_query): it resolves places
against the gazetteer, checks parameters against each other (district in state, radius
needs near) and names the parameter at fault in the visitor's language. A QueryError from
it is a 400 on the API (api/errors.py) and the "bad request" page on the pages.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from directory.models import Contact
from search.engine import contacts_matching
from search.query import FLAGS, SearchQuery, codes, parse_query


def _choices(name: str):
    return lambda: [(code, code) for code in getattr(codes(), name)]


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ChoiceFilter):
    """A reference code (the choices are read from the reference tables when asked)."""


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodesFilter(django_filters.MultipleChoiceFilter):
    """Reference codes, repeatable or comma-separated."""


class ContactFilterSet(django_filters.FilterSet):
    """What /api/v1/contacts/ (and every query) takes: place, text, taxonomies, flags."""

    q = django_filters.CharFilter(help_text="Free text: name, organisation, description, town (at most 200 characters)")
    near = django_filters.CharFilter(help_text="Postcode (99084), town (Erfurt) or point (50.98,11.03)")
    radius = django_filters.NumberFilter(help_text="km around near= within which local offices count too")
    state = CodeFilter(choices=_choices("states"), help_text="Short state code, e.g. TH: that state's coverage")
    district = django_filters.CharFilter(help_text="District AGS, e.g. 16051: that district's coverage")
    incident = CodesFilter(
        choices=_choices("incidents"), help_text="Incident type slugs, e.g. threat (repeatable or comma-separated)")
    kind = CodesFilter(
        choices=_choices("kinds"), help_text="Contact kind slugs, e.g. victim_support (repeatable or comma-separated)")
    target = CodeFilter(choices=_choices("targets"), help_text="One target group slug, e.g. officials")
    free = django_filters.BooleanFilter(help_text="1: only contacts that are free of charge")
    anonymous = django_filters.BooleanFilter(help_text="1: only contacts that can be reached anonymously")
    barrier_free = django_filters.BooleanFilter(help_text="1: only barrier-free contacts")
    open_24_7 = django_filters.BooleanFilter(help_text="1: only contacts open around the clock")
    lang = django_filters.ChoiceFilter(choices=[("de", "de"), ("en", "en")], help_text="Language of labels")

    class Meta:
        model = Contact
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # The declared filters document the parameters and are never changed per request,
        # so they are shared, not deep-copied, and no form is built: both cost ~0.5 ms of a
        # ~5 ms search in the web worker (measured), and the query model parses anyway.
        self.is_bound = data is not None
        self.data = data if data is not None else QueryDict()
        self.queryset = queryset if queryset is not None else Contact.objects.all()
        self.request, self.form_prefix = request, prefix
        self.filters = self.base_filters

    def is_valid(self) -> bool:
        self.query  # noqa: B018 - parsing is the validation; a QueryError names the parameter
        return True

    @property
    def errors(self) -> dict:
        return {}

    @property
    def qs(self) -> QuerySet[Contact]:
        return self.filter_queryset(self.queryset.all())

    @cached_property
    def query(self) -> SearchQuery:
        return parse_query(self.data)

    def filter_queryset(self, queryset: QuerySet[Contact]) -> QuerySet[Contact]:
        return contacts_matching(self.query, queryset)


class SearchFilterSet(ContactFilterSet):
    """What /api/v1/search/ and the result pages take: the same, paged per group."""

    page = django_filters.NumberFilter(help_text="Page number, from 1")
    per_page = django_filters.NumberFilter(help_text="Hits per page and group")


assert set(FLAGS) <= set(ContactFilterSet.declared_filters), "every flag of the query model is declared"

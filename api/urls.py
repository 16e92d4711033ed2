"""Routes under /api/: every v1 route below is explicit, there is no catch-all."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import docs, views
from api.search import SearchView

app_name = "api"

urlpatterns = [
    path("v1/search/", SearchView.as_view(), name="search"),
    path("v1/contacts/", views.ContactListView.as_view(), name="contact-list"),
    path("v1/contacts/<str:key>/", views.ContactDetailView.as_view(), name="contact-detail"),
    path("v1/states/", views.StateListView.as_view(), name="state-list"),
    path("v1/districts/", views.DistrictListView.as_view(), name="district-list"),
    path("v1/incident-types/", views.term_list_view("incident-types"), name="incident-type-list"),
    path("v1/kinds/", views.term_list_view("kinds"), name="kind-list"),
    path("v1/target-groups/", views.term_list_view("target-groups"), name="target-group-list"),
    path("v1/channels/", views.term_list_view("channels"), name="channel-list"),
    path("v1/attribution/", views.AttributionView.as_view(), name="attribution"),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path("docs/", docs.DocsView.as_view(url_name="api:schema"), name="docs"),
]

from api import hsds_views  # noqa: E402

urlpatterns += [
    path("hsds/", hsds_views.HsdsRootView.as_view(), name="hsds-root"),
    path("hsds/services", hsds_views.ServiceListView.as_view(), name="hsds-services"),
    path("hsds/services/<str:id>", hsds_views.ServiceDetailView.as_view(), name="hsds-service"),
    path("hsds/organizations", hsds_views.OrganizationListView.as_view(), name="hsds-organizations"),
    path("hsds/organizations/<str:id>", hsds_views.OrganizationDetailView.as_view(), name="hsds-organization"),
    path("hsds/taxonomies", hsds_views.TaxonomyListView.as_view(), name="hsds-taxonomies"),
    path("hsds/taxonomies/<str:id>", hsds_views.TaxonomyDetailView.as_view(), name="hsds-taxonomy"),
    path("hsds/taxonomy_terms", hsds_views.TaxonomyTermListView.as_view(), name="hsds-taxonomy-terms"),
    path("hsds/taxonomy_terms/<str:id>", hsds_views.TaxonomyTermDetailView.as_view(), name="hsds-taxonomy-term"),
    path("hsds/service_at_locations", hsds_views.ServiceAtLocationListView.as_view(), name="hsds-service-at-locations"),
    path("hsds/datapackage.zip", hsds_views.DataPackageView.as_view(), name="hsds-datapackage"),
]

from api.guidance import GuidanceView  # noqa: E402

urlpatterns += [path("v1/guidance/", GuidanceView.as_view(), name="guidance")]  # issue 16

from api.changes import ChangeFeedView  # noqa: E402

urlpatterns += [path("v1/changes/", ChangeFeedView.as_view(), name="changes")]  # issue 20

from api import imports  # noqa: E402

urlpatterns += [
    path("v1/imports/", imports.ImportListView.as_view(), name="import-list"),
    path("v1/imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import-detail"),
]

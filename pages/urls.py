from django.urls import path

from pages import embed, views
from pages.health import health

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("search/", views.search_page, name="search"),
    path("contacts/<slug:slug>/", views.contact_detail, name="contact"),
    path("contacts/<slug:slug>/vcard.vcf", views.contact_vcard, name="contact-vcard"),
    path("contacts/<slug:slug>/report/", views.contact_report, name="contact-report"),
    path("states/<slug:slug>/", views.state_page, name="state"),
    path("districts/<slug:slug>/", views.district_page, name="district"),
    path("guide/", views.guide_page, name="guide"),
    path("guide/<slug:incident>/", views.guide_page, name="guide-incident"),
    path("evidence-log/", views.evidence_log, name="evidence-log"),
    path("embed/", embed.embed_builder, name="embed-builder"),
    path("embed.js", embed.embed_script, name="embed-script"),
    path("health/", health, name="health"),
]

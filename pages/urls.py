from django.urls import path

from pages import views
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
    path("health/", health, name="health"),
]

from django.urls import path

from guidance import views

urlpatterns = [
    path("guide/", views.guide_page, name="guide"),
    path("guide/<slug:incident>/", views.guide_page, name="guide-incident"),
    path("evidence-log/", views.evidence_log, name="evidence-log"),
]

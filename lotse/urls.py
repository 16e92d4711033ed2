from django.contrib import admin
from django.urls import include, path

from directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("admin/", admin.site.urls),
]

# Each app adds its own routes here as it lands.

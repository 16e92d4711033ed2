from django.contrib import admin
from django.urls import include, path

# By name only: lotse (settings, environment, middleware) stays below the apps it lists.
urlpatterns = [
    path("", include("pages.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

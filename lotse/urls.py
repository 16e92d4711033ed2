from django.contrib import admin
from django.urls import include, path

from lotse.health import health

urlpatterns = [
    path("", include("directory.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

# Each app adds its own routes here as it lands.
urlpatterns += [path("api/", include("api.urls"))]
urlpatterns += [path("", include("search.urls"))]  # GET /api/v1/search/ (issue 5)
urlpatterns += [path("", include("guidance.urls"))]  # guide pages and the evidence log (issue 16)

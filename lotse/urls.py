from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("directory.urls")),
    path("admin/", admin.site.urls),
]

# Each app adds its own routes here as it lands.
urlpatterns += [path("api/", include("api.urls"))]
urlpatterns += [path("", include("search.urls"))]  # GET /api/v1/search/ (issue 5)

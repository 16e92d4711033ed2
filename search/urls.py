from django.urls import path

from search import views

urlpatterns = [
    path("api/v1/search/", views.search_api, name="search-api"),
]

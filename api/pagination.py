import re

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from api.errors import ApiError

# ASCII digits only: str.isdigit() also accepts "²" and "١٢" (issue 17).
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class ApiPagination(PageNumberPagination):
    """?page=N&per_page=M, the query model's names (issue 5)."""

    page_size = 20
    page_size_query_param = "per_page"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        for name in ("page", "per_page"):
            raw = request.query_params.get(name)
            if raw is not None and not (WHOLE_NUMBER.fullmatch(raw) and int(raw) >= 1):
                raise ApiError(400, "invalid_parameter", f'{name}: "{raw[:20]}" is not a whole number of 1 or more', name)
        per_page = request.query_params.get("per_page")
        if per_page is not None and int(per_page) > self.max_page_size:
            raise ApiError(400, "invalid_parameter", f"per_page: at most {self.max_page_size}", "per_page")
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:  # DRF's answer to InvalidPage: "Invalid page."
            raise ApiError(404, "page_not_found", "This page is past the last page of results.", "page") from None

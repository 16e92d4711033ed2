"""One error body for every API failure (issue 7):

    {"error": {"code": "<machine_code>", "message": "<human message>", "field": "<param>"}}

DRF exceptions go through `exception_handler` (REST_FRAMEWORK["EXCEPTION_HANDLER"]);
Django-level 404/413/500 answers under /api/ (unknown paths, oversized bodies) are
rewritten by `ApiErrorMiddleware`. A QueryError (the query model's) is a 400 naming the
parameter, on every endpoint that takes the query model's parameters.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lotse.middleware import error_body
from search.query import QueryError

__all__ = ["ApiError", "ApiErrorMiddleware", "error_body", "exception_handler"]

API_PREFIX = "/api/"


class ApiError(exceptions.APIException):
    """An error with our own machine code, e.g. ApiError(413, "file_too_large", "...")."""

    def __init__(self, status_code: int, code: str, message: str, field: str | None = None):
        self.status_code = status_code
        self.code = code
        self.field = field
        super().__init__(detail=message, code=code)


def throttled_message(wait: float | None) -> str:
    message = "Too many requests from this client."
    if wait is not None:
        # The same whole seconds as the Retry-After header (DRF writes int(wait) there).
        message += f" Try again in {int(wait)} seconds."
    return message


# Machine codes for DRF's own exceptions; everything else keeps DRF's default_code.
_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "malformed_request",
}


def _first_validation_error(detail, prefix: str = "") -> tuple[str | None, str]:
    """(field, message) of the first error in a ValidationError's nested detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            field, message = _first_validation_error(value, name)
            return (None if key == "non_field_errors" else field), message
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], prefix)
    return (prefix or None), str(detail)


def exception_handler(exc, context):
    if isinstance(exc, QueryError):
        return Response(error_body("invalid_parameter", exc.message_en, exc.field), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handling (and ApiErrorMiddleware) take over
    if isinstance(exc, ApiError):
        body = error_body(exc.code, exc.detail, exc.field)
    elif isinstance(exc, exceptions.ValidationError):
        field, message = _first_validation_error(exc.detail)
        body = error_body("invalid", message, field)
    elif isinstance(exc, exceptions.Throttled):
        body = error_body("throttled", throttled_message(exc.wait))
    else:
        code = next((c for t, c in _CODES.items() if isinstance(exc, t)), None) or getattr(exc, "default_code", "error")
        body = error_body(code, exc.detail if isinstance(exc.detail, str) else str(exc.detail))
    response.data = body
    return response


_DJANGO_ERRORS = {
    400: ("bad_request", "The request could not be read."),
    404: ("not_found", "There is no API endpoint at this address; see /api/docs/ for the list."),
    413: ("payload_too_large", "The request body is too large."),
    500: ("server_error", "Something went wrong on our side; the error has been logged."),
}


class ApiErrorMiddleware:
    """Django's own error pages are HTML; under /api/ they become the JSON error body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            try:
                resolve(request.path_info)
            except Resolver404:
                # Answer here: the site's HTML 404 page is no answer for an API client.
                code, message = _DJANGO_ERRORS[404]
                return JsonResponse(error_body(code, message), status=404)
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in _DJANGO_ERRORS:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message = _DJANGO_ERRORS[response.status_code]
        return JsonResponse(error_body(code, message), status=response.status_code)

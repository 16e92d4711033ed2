"""Cross-cutting rules for every response: language, privacy and security headers.

- Language from ?lang= or Accept-Language, never from a cookie: visitors get no cookies.
- A Content-Security-Policy without 'unsafe-inline' and without any third-party source
  (issue 6 "Privacy and safety"): our pages load only our own CSS and JS.
- Framing: nobody may frame a page, except the embed mode (?embed=1), which the partner
  origins in settings.PARTNER_FRAME_ORIGINS may frame (CSP frame-ancestors), and Lotse
  itself: the embed builder (/embed/) previews it (issue 20).
- No Set-Cookie outside the admin (CSRF and sessions are for staff only).
- An access log without query strings: a search reveals where an official lives.
"""

import logging
import time

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}

access_log = logging.getLogger("lotse.access")


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        requested = request.GET.get("lang", "")
        if requested in SUPPORTED:
            language = requested
        else:
            language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        response.headers["Vary"] = _vary_with(response.headers.get("Vary"), "Accept-Language")
        translation.deactivate()
        return response


def _vary_with(current: str | None, header: str) -> str:
    values = [v.strip() for v in (current or "").split(",") if v.strip()]
    if header.lower() not in (v.lower() for v in values):
        values.append(header)
    return ", ".join(values)


def is_embed(request) -> bool:
    return request.GET.get("embed") == "1"


def _is_staff_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.COOKIE_PATHS)


def frame_ancestors(request) -> list[str]:
    """Who may frame this page: for an embed, the partner origins and Lotse itself."""
    return [*settings.PARTNER_FRAME_ORIGINS, "'self'"] if is_embed(request) else []


def content_security_policy(*, frame_ancestors: list[str], frame_src: list[str] = ()) -> str:
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join(
        [
            "default-src 'none'",
            *([f"frame-src {' '.join(frame_src)}"] if frame_src else []),
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "manifest-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


class SecurityHeadersMiddleware:
    """CSP and framing for public pages; must sit below XFrameOptionsMiddleware's response
    handling, i.e. after it in MIDDLEWARE, so it can exempt embeds before that one runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if any(request.path.startswith(prefix) for prefix in settings.CSP_EXEMPT_PATHS):
            return response
        response.headers.setdefault("Content-Security-Policy", content_security_policy(frame_ancestors=frame_ancestors(request)))
        if is_embed(request):
            # X-Frame-Options cannot name several origins; browsers that know CSP
            # frame-ancestors (all current ones) ignore X-Frame-Options when it is present,
            # so an embed that partners may frame drops the header instead of sending a
            # contradicting DENY; without partners it says what the CSP says: SAMEORIGIN.
            if settings.PARTNER_FRAME_ORIGINS:
                response.xframe_options_exempt = True
            else:
                response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), interest-cohort=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class NoVisitorCookiesMiddleware:
    """Visitors get no cookies (issue 6): only the staff paths may set any.

    Placed first in MIDDLEWARE so that it sees every cookie any other layer adds.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.cookies and not _is_staff_path(request.path):
            response.cookies.clear()
        return response


class AccessLogMiddleware:
    """One line per request: method, path without the query string, status, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        access_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed_ms)
        return response


class NulParameterMiddleware:
    """400 for a query parameter or a path holding a NUL character, before any view sees it.

    No search, code or text of ours contains U+0000, and PostgreSQL refuses it in text
    ("text fields cannot contain NUL bytes"): passed on, it became a 500 in every view that
    filters by a parameter (found by the API schema fuzzing on PostgreSQL), and in a path
    segment such as /api/v1/contacts/%00/ (issue 17).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "\x00" in request.path:
            return _nul_in_path(request)
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return _nul_refused(request, name.replace("\x00", "\\x00"))
        return self.get_response(request)


def error_body(code: str, message: str, field: str | None = None) -> dict:
    """The one error body of the API (api/errors.py maps every failure to it), here because
    this middleware answers for /api/ too, before any app is reached:
    {"error": {"code": "<machine_code>", "message": "<human message>", "field": "<param>"}}"""
    error = {"code": code, "message": str(message)}
    if field:
        error["field"] = field
    return {"error": error}


def _nul_in_path(request):
    message = "the address contains a NUL character (\\x00)"
    if request.path_info.startswith("/api/"):
        return JsonResponse(error_body("invalid_path", message), status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _nul_refused(request, name: str):
    message = "contains a NUL character (\\x00)"
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("invalid_parameter", message, name or "?"), status=400)
    return HttpResponseBadRequest(f"{name or '?'}: {message}", content_type="text/plain; charset=utf-8")

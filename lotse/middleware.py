"""Language from ?lang= or Accept-Language, never from a cookie: visitors get no cookies."""

from django.conf import settings
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


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

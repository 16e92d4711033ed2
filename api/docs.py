"""Browsable API docs served entirely by us (no CDN), working under a strict CSP.

SpectacularSwaggerSplitView serves Swagger UI's init script as a separate file (?script),
and our template replaces drf-spectacular's inline <style> with a static stylesheet, so the
page needs neither 'unsafe-inline' nor any third-party origin.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView

from lotse.middleware import content_security_policy

class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    authentication_classes = []
    permission_classes = []

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = content_security_policy(frame_ancestors=[])
        return response

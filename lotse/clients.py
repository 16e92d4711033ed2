"""Who a client is, for per-client limits (admin login lockout, error-report rate).

The socket address, or with API_PROXIES=n trusted reverse proxies in front, the address the
n-th proxy from the right saw in X-Forwarded-For, as for the API throttle. A client-written
X-Forwarded-For is never taken as the client's identity without proxies.
"""

from django.conf import settings


def client_address(request) -> str:
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    return hops[-min(proxies, len(hops))] or remote

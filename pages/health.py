"""GET /health/: can the site answer? For load balancers and monitoring (issue 8).

200 while pages can be served, also when search is degraded (pages then answer from the
database); 503 only when the database is gone, because then nothing can be answered.
Under `make run`, `search_process` shows the supervised Meilisearch (search/supervisor.py):
state, pid, restarts, failed starts, last exit status, last restart.
"""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from search.client import healthy as search_healthy
from search.supervisor import current_status


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


@never_cache
@require_safe
def health(request):
    database = "ok" if _database_ok() else "down"
    search = "ok" if search_healthy(timeout=0.5) else "degraded"
    status = "ok" if (database, search) == ("ok", "ok") else ("down" if database == "down" else "degraded")
    body = {"status": status, "database": database, "search": search}
    supervised = current_status()
    if supervised is not None:
        body["search_process"] = supervised
    return JsonResponse(body, status=503 if database == "down" else 200)

"""Gunicorn for `make serve` (production WSGI server).

Workers: searches wait on Meilisearch and the database more than they compute, so a few
processes with threads each fit a small machine; WEB_CONCURRENCY overrides the count.
Access logging is ours (lotse.middleware.AccessLogMiddleware: one line per request, path
without query string, no client address), so gunicorn's own access log stays off.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Workers are stateless; a killed worker is replaced by the arbiter.
preload_app = False

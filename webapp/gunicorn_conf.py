"""gunicorn settings for serving InnoMatch: ``gunicorn -c python:webapp.gunicorn_conf wsgi:app``.

``make run`` uses it and sets the address, workers and threads on the command line (which
takes precedence over this file). Settings here are the ones every deployment wants; each
says why it is not gunicorn's default.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

# Threaded workers: a log-in's Argon2id hash (C code, outside the GIL) must not hold a whole
# worker while page requests queue behind it.
worker_class = "gthread"
workers = 2
threads = 4

# gunicorn closes an idle keep-alive connection after 2 s by default. A client that reuses the
# connection at that very moment has its request reset before it reaches the app (seen as one
# "connection reset" in a few thousand requests under load, with people pausing 0.5-2 s
# between pages). Longer than such pauses; a proxy in front must use a shorter upstream idle
# timeout than this.
keepalive = 5

accesslog = "-"
# Query strings are left out of the access log: a password-reset link carries its token there.
# The last field is the response time in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(M)sms'


def on_starting(server: Any) -> None:
    """In the master, before any worker is forked: load the matcher's jieba dictionary, so
    that the workers share its pages instead of each loading its own copy (~115 MB each;
    see ``matcher.tokenizer.preload`` and docs/benchmarks.md)."""
    from matcher import DEFAULT_PARAMS
    from matcher.tokenizer import preload

    try:
        preload(**DEFAULT_PARAMS["tokenizer"])
    except Exception as exc:  # the workers then load it themselves: slower, not broken
        log = getattr(server, "log", logging.getLogger("gunicorn.error"))
        log.warning("jieba's dictionary not preloaded in the master: %r", exc)


def post_worker_init(worker: Any) -> threading.Thread:
    """Say where the new worker's rate limits count, and warm its matcher indexes in the
    background while it starts serving; returns the thread doing it (gunicorn ignores the
    value)."""
    app = worker.wsgi
    log = getattr(worker, "log", logging.getLogger("gunicorn.error"))
    # Said at each worker's start, where gunicorn's own log goes: whether the workers share
    # their rate limits (Redis) or each counts on its own.
    from webapp.security.limiter import storage_description

    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory"):
        log.warning("%s", storage_description(app))
    else:
        log.info("%s", storage_description(app))

    def warm() -> None:
        from webapp.matching.services import warm_up

        try:
            results, needs = warm_up(app)
        except Exception as exc:  # a failed warm-up only delays the first use
            log.warning("matcher warm-up failed (indexes will be built on first use): %r", exc)
        else:
            log.info("matcher warm: %d results, %d needs indexed", results, needs)

    thread = threading.Thread(target=warm, name="matcher-warm-up", daemon=True)
    thread.start()
    return thread

"""The gunicorn settings module: its values and the worker warm-up it starts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from models import Need, Result, User
from webapp import gunicorn_conf
from webapp.matching.services import engine, warm_up

from support import CHEAP_ARGON2


def test_settings_are_the_served_ones() -> None:
    assert gunicorn_conf.worker_class == "gthread"
    assert gunicorn_conf.threads >= 2
    # Longer than the 0.5-2 s pauses between a person's pages, gunicorn's default being 2 s.
    assert gunicorn_conf.keepalive > 2
    # No query strings (password-reset links carry their token there): not %(q)s, nor the
    # request line %(r)s, which includes them.
    assert "%(q)s" not in gunicorn_conf.access_log_format
    assert "%(r)s" not in gunicorn_conf.access_log_format
    assert "%(U)s" in gunicorn_conf.access_log_format


def test_warm_up_builds_both_indexes(app: Flask, enterprise_user: User, institution_user: User,
                                     make_need: Callable[..., Need],
                                     make_result: Callable[..., Result]) -> None:
    make_need(enterprise_user)
    make_result(institution_user)
    assert "matching_engine" not in app.extensions
    assert warm_up(app) == (1, 1)
    with app.app_context():
        eng = engine()
        assert eng.results.matcher is not None and len(eng.results.matcher) == 1
        assert eng.needs.matcher is not None and len(eng.needs.matcher) == 1


class _Worker:
    def __init__(self, wsgi: Flask) -> None:
        self.wsgi = wsgi
        self.log = logging.getLogger("test.gunicorn")


def test_worker_hook_warms_in_the_background(app: Flask, institution_user: User,
                                             make_result: Callable[..., Result],
                                             caplog: pytest.LogCaptureFixture) -> None:
    make_result(institution_user)
    with caplog.at_level(logging.INFO, logger="test.gunicorn"):
        gunicorn_conf.post_worker_init(_Worker(app)).join(timeout=60)
    assert "matcher warm: 1 results, 0 needs indexed" in caplog.text
    with app.app_context():
        assert engine().results.matcher is not None


def test_a_failed_warm_up_is_logged_not_raised(caplog: pytest.LogCaptureFixture,
                                               tmp_path: Path) -> None:
    from webapp import create_app

    # A database without tables: the warm-up fails, the worker goes on serving.
    broken = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/empty.db",
                         "SECRET_KEY": "test", "PASSWORD_HASH_PARAMS": CHEAP_ARGON2})
    try:
        with caplog.at_level(logging.WARNING, logger="test.gunicorn"):
            gunicorn_conf.post_worker_init(_Worker(broken)).join(timeout=60)
    finally:
        broken.extensions["db_engine"].dispose()
    assert "matcher warm-up failed" in caplog.text


def test_the_master_preloads_the_dictionary_the_workers_share(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from matcher import DEFAULT_PARAMS, Tokenizer, tokenizer

    monkeypatch.setattr(gc, "freeze", lambda: None)  # the test process must not stay frozen
    monkeypatch.setattr(tokenizer, "_SHARED", {})
    gunicorn_conf.on_starting(None)
    (loaded,) = tokenizer._SHARED.values()
    # What a worker forked afterwards makes for its matcher uses the master's jieba.
    assert Tokenizer(**DEFAULT_PARAMS["tokenizer"])._ensure() is loaded

"""Needs and results by the thousand on shared topics, for the rematch's tests and benchmarks.

The texts are :func:`matcher.bench.iter_synthetic_corpus`'s (titles, abstracts, keywords in its
synthetic technical language), so needs and results drawn from one corpus share topics and
match each other. Around them, every field and cooperation mode, budgets, prices and TRLs
in turn, and some listings in states that are not matched (withdrawn results, closed needs)
beside needs in docking, which are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

from matcher.bench import iter_synthetic_corpus
from models import (
    CooperationMode,
    Field,
    Need,
    NeedStatus,
    Result,
    ResultForm,
    ResultStatus,
)

__all__ = ["synthetic_needs", "synthetic_results"]

#: Who posts the i-th listing: ``(organization id, author id or None)``.
Owner = Callable[[int], tuple[int, int | None]]

_FIELDS, _MODES, _FORMS = list(Field), list(CooperationMode), list(ResultForm)


def synthetic_results(n: int, owner: Owner, when: dt.datetime, *, seed: int = 0,
                      start: int = 0, n_topics_docs: int | None = None) -> Iterator[Result]:
    """``n`` results, the listings ``start`` to ``start + n`` of the synthetic corpus of
    ``n_topics_docs`` listings; one in 17 is withdrawn, a third have a price."""
    for i, doc in enumerate(iter_synthetic_corpus(n, seed=seed, start=start,
                                                  n_topics_docs=n_topics_docs)):
        org, author = owner(i)
        result = Result(organization_id=org, author_id=author,
                        status=ResultStatus.WITHDRAWN if i % 17 == 0 else ResultStatus.PUBLISHED,
                        field=_FIELDS[i % len(_FIELDS)], form=_FORMS[i % len(_FORMS)],
                        trl=1 + i % 9, published_at=when, created_at=when, updated_at=when)
        result.title, result.summary = doc["title"][:120], doc["text"]
        result.province, result.keywords = "上海市", " ".join(doc["keywords"])
        if i % 3 == 0:
            result.price_wan = Decimal(20 + i % 400)
        result.modes = [_MODES[i % len(_MODES)], _MODES[(i + 2) % len(_MODES)]]
        yield result


def synthetic_needs(n: int, owner: Owner, when: dt.datetime, *, seed: int = 0,
                    start: int = 0, n_topics_docs: int | None = None) -> Iterator[Need]:
    """``n`` needs, as :func:`synthetic_results` draws results (pass the same ``seed`` and
    ``n_topics_docs`` and a ``start`` past the results' for needs on their topics); one in 13
    is closed, one in 5 of the others in docking."""
    for i, doc in enumerate(iter_synthetic_corpus(n, seed=seed, start=start,
                                                  n_topics_docs=n_topics_docs)):
        org, author = owner(i)
        status = (NeedStatus.CLOSED if i % 13 == 0 else
                  NeedStatus.DOCKING if i % 5 == 0 else NeedStatus.PUBLISHED)
        need = Need(organization_id=org, author_id=author, status=status,
                    field=_FIELDS[(i * 3) % len(_FIELDS)], published_at=when, created_at=when,
                    updated_at=when)
        need.title, need.problem = doc["title"][:120], doc["text"]
        need.province, need.keywords = "江苏省", " ".join(doc["keywords"])
        need.modes = [_MODES[i % len(_MODES)]]
        need.budget_min_wan, need.budget_max_wan = Decimal(10 + i % 50), Decimal(100 + i % 300)
        yield need

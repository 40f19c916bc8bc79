"""``innomatch evaluate DIR --service``: the suggestions users see, scored on a BEIR-layout set.

The matcher's own evaluation ranks bare texts; users see what :func:`suggest_results` makes of
the ranking (the cut, the weak marks, compatibility, the explanation). Here a set is loaded into
a temporary database as published listings — queries as needs of one enterprise, the corpus as
results of one institution — and every need asks the function the need page asks. The figures
are the matcher's (``ndcg@10``, ``recall@10``, ``mrr@10``, ``p@10``) plus what only the page
shows: ``shown_median`` (suggestions per need), ``shown_zero`` (needs shown none),
``shown_weak`` (the share of shown suggestions marked weak) and ``explanation_terms_in_both``
(the share of shown shared terms that occur in both listings as written).

``queries.jsonl`` lines may carry ``title``, ``basis`` (现有基础) and ``field`` (a query
without a title is taken as the need's title); ``corpus.jsonl`` lines ``field``. A listing
without a field gets the field its text fits best, as the need form's advice computes it from
the fielded results; when none has a field, all share one.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from matcher.evaluation import load_beir, metrics_for_run
from models import Field, Need, NeedStatus, Organization, OrgKind, Result, ResultStatus
from models.base import utcnow
from models.taxonomy import ResultForm

from .advice import best_field, field_scores
from .explanation import listing_texts, occurs_in

__all__ = ["evaluate_service"]


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _field(value: Any) -> Field | None:
    try:
        return Field(value) if value else None
    except ValueError:
        return None


def evaluate_service(dataset_dir: str | Path, split: str = "dev", k: int = 10,
                     background: str | Path | None = None,
                     config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score the need page's suggestions on a BEIR folder (see the module's docstring);
    ``background``: another BEIR folder whose corpus joins as unjudged results, to see how the
    suggestions hold as the corpus grows; ``config``: app settings to try (``MATCH_*``)."""
    from ..app import create_app
    from ..db import get_session, make_engine
    from ..migrate import upgrade
    from .services import is_strong, suggest_results

    d = Path(dataset_dir)
    ds = load_beir(d, split=split)
    queries = {str(r["_id"]): r for r in _lines(d / "queries.jsonl") if str(r["_id"]) in ds.qrels}
    corpus = list(_lines(d / "corpus.jsonl"))
    if background is not None:
        corpus += [{**r, "_id": f"background:{r['_id']}"}
                   for r in _lines(Path(background) / "corpus.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'evaluate.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app({"TESTING": True, "SECRET_KEY": "evaluate", "DATABASE_URL": url,
                          **(config or {})})
        with app.app_context():
            db = get_session()
            enterprise = Organization(name="评测企业", kind=OrgKind.ENTERPRISE, province="上海市")
            institution = Organization(name="评测机构", kind=OrgKind.UNIVERSITY, province="上海市")
            db.add_all([enterprise, institution])
            db.flush()
            results = _load_results(db, corpus, institution.id)
            needs = _load_needs(db, queries, enterprise.id)
            db.commit()
            run: dict[str, list[str]] = {}
            shown: list[int] = []
            weak = terms_total = terms_true = 0
            for qid, need in needs.items():
                found = suggest_results(db, need, k=k)
                run[qid] = [results[s.other_id][0] for s in found]
                shown.append(len(found))
                weak += sum(not is_strong(s.text_score) for s in found)
                need_texts = listing_texts(need)
                for s in found:
                    result_texts = listing_texts(results[s.other_id][1])
                    for term, _share in s.terms:
                        terms_total += 1
                        terms_true += occurs_in(term, need_texts) and occurs_in(term, result_texts)
            app.extensions["db_engine"].dispose()
    figures: dict[str, Any] = {"dataset": d.name, "split": split, "queries": len(run),
                               "docs": len(corpus), "path": "service"}
    figures.update(metrics_for_run(run, ds.qrels, k=k))
    figures["shown_median"] = statistics.median(shown) if shown else 0
    figures["shown_zero"] = sum(n == 0 for n in shown)
    figures["shown_weak"] = round(weak / max(1, sum(shown)), 4)
    figures["explanation_terms_in_both"] = round(terms_true / terms_total, 4) if terms_total \
        else 1.0
    return figures


def _load_results(db: Any, corpus: list[dict[str, Any]],
                  org_id: int) -> dict[int, tuple[str, Result]]:
    """The corpus as published results; returns result id -> (corpus id, result)."""
    fields = [_field(r.get("field")) for r in corpus]
    fallback = max(set(f for f in fields if f), key=fields.count, default=Field.NEW_MATERIALS)
    out: dict[int, tuple[str, Result]] = {}
    rows = []
    for r, field in zip(corpus, fields, strict=True):
        result = Result(organization_id=org_id, field=field or fallback,
                        status=ResultStatus.PUBLISHED, form=ResultForm.TECHNOLOGY, trl=5,
                        published_at=utcnow())
        # The set's own title, none where it has none (csl's abstracts): a made-up one would
        # count the text's first words twice.
        result.title = (r.get("title") or "")[:200]
        result.summary = r.get("text") or ""
        result.keywords = ""
        result.province = "上海市"
        rows.append((str(r["_id"]), result))
    db.add_all([result for _, result in rows])
    db.flush()
    for cid, result in rows:
        out[result.id] = (cid, result)
    return out


def _load_needs(db: Any, queries: dict[str, dict[str, Any]], org_id: int) -> dict[str, Need]:
    """The queries as published needs; a need without a field gets the one its text fits
    best (the need form's advice), else the results' most common field."""
    out: dict[str, Need] = {}
    for qid, q in queries.items():
        text = q.get("text") or ""
        need = Need(organization_id=org_id, field=_field(q.get("field")),
                    status=NeedStatus.PUBLISHED, published_at=utcnow())
        # A query without a title is a title (csl-title's are papers' titles): as the need's
        # description it would be counted twice.
        need.title = (q.get("title") or text or qid)[:200]
        need.problem = text if q.get("title") else ""
        need.indicators = ""
        need.basis = q.get("basis") or ""
        need.keywords = ""
        need.province = "上海市"
        need.modes = []
        if need.field is None:
            need.field = best_field(field_scores(db, need)) or Field.NEW_MATERIALS
        db.add(need)
        out[qid] = need
    db.flush()
    return out

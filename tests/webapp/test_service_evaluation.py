"""``innomatch evaluate DIR --service``: the need page's suggestions scored as users get them.

``data/service_set`` is a small set written for this test (six needs in plant language, one in
English; fourteen results in method language, English and mixed among them; solving pairs
graded 2, partly solving 1). ``realdev`` from ../shared/eval is used where present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from matcher import DEFAULT_PARAMS, Matcher
from matcher.evaluation import load_beir, metrics_for_run
from webapp.cli import main
from webapp.matching.evaluation import evaluate_service

from support import eval_dir

SERVICE_SET = Path(__file__).with_name("data") / "service_set"
KEYS = {"ndcg@10", "recall@10", "mrr@10", "p@10", "shown_median", "shown_zero",
        "explanation_terms_in_both"}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def bare_matcher(dataset: Path) -> dict[str, float]:
    """The bare matcher on the same set, each query composed as the service composes a need
    (title, then the text and 现有基础)."""
    ds = load_beir(dataset)
    queries = {q["_id"]: q for q in _lines(dataset / "queries.jsonl")}
    m = Matcher(**DEFAULT_PARAMS).fit(
        {"id": r["_id"], "title": r.get("title", ""), "text": r.get("text", "")}
        for r in _lines(dataset / "corpus.jsonl"))
    run = {}
    for qid in ds.qrels:
        q = queries[qid]
        text = "\n".join(p for p in (q.get("text"), q.get("basis")) if p)
        run[qid] = [str(h.id) for h in m.query({"id": qid, "title": q.get("title", ""),
                                                 "text": text}, k=10)]
    return metrics_for_run(run, ds.qrels)


def test_the_command_reports_the_service_figures_as_json() -> None:
    out = CliRunner().invoke(main, ["evaluate", str(SERVICE_SET), "--service", "--json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.stdout)  # only the JSON object (a migration reports on stderr)
    assert set(figures) >= KEYS and figures["path"] == "service"
    assert figures["queries"] == 6 and figures["docs"] == 14
    assert figures["explanation_terms_in_both"] == 1.0
    assert figures["shown_zero"] == 0
    # Every need is shown its solving result first.
    assert figures["mrr@10"] == 1.0 and figures["recall@10"] == 1.0


def test_background_needs_service() -> None:
    out = CliRunner().invoke(main, ["evaluate", str(SERVICE_SET), "--background",
                                    str(SERVICE_SET)])
    assert out.exit_code != 0 and "--background" in out.output


def test_the_service_is_as_good_as_the_bare_matcher_on_realdev() -> None:
    realdev = eval_dir() / "realdev"
    if not (realdev / "corpus.jsonl").is_file():
        pytest.skip(f"evaluation set {realdev} absent")
    service = evaluate_service(realdev)
    bare = bare_matcher(realdev)
    for key in ("ndcg@10", "recall@10", "mrr@10", "p@10"):
        assert service[key] >= bare[key] - 1e-9, key
    assert service["explanation_terms_in_both"] == 1.0
    assert service["shown_zero"] == 0 and service["shown_median"] >= 5

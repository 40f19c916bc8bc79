"""The innomatch command: migrations, demo data (idempotent), reindex."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Match, Need, NeedStatus, Organization, Result, Role, User


def test_seed_demo_is_idempotent_and_complete(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = {m.__name__: db.scalar(select(func.count()).select_from(m))
              for m in (Organization, User, Need, Result)}
    assert counts["Organization"] >= 60 and counts["Need"] >= 300 and counts["Result"] >= 300
    assert {r for (r,) in db.execute(select(User.role).distinct())} == set(Role)
    assert len({f for (f,) in db.execute(select(Need.field).distinct())}) == 8
    assert len({f for (f,) in db.execute(select(Result.field).distinct())}) == 8
    assert db.scalar(select(func.count()).select_from(Need)
                     .where(Need.status == NeedStatus.EXPIRED)) > 0
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "needs: +0" in second.output
    again = {m.__name__: db.scalar(select(func.count()).select_from(m))
             for m in (Organization, User, Need, Result)}
    assert again == counts
    assert "suggestions stored" in first.output and "suggestions stored" not in second.output
    assert "dockings: +0" in second.output and "deals: +0" in second.output
    report = runner.invoke(args=["report", "--json"])
    assert report.exit_code == 0, report.output
    figures = json.loads(report.output)
    assert 0.55 <= figures["docking_rate"] <= 0.75  # InnoMatch reported about 65%
    assert figures["deals_signed"] > 30 and Decimal(figures["amount_signed_wan"]) > 1000
    assert db.scalar(select(func.count()).select_from(Match)) > 1000
    demo = db.scalar(select(User).where(User.email == "enterprise@demo.innomatch.cn"))
    assert demo is not None and demo.check_password("demo-pass-2025")


def test_seed_demo_refuses_a_bad_scale(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "lots"])
    assert result.exit_code != 0 and "scale" in result.output


def test_reindex_rebuilds_suggestions(app: Flask, db: Session, enterprise_user: User,
                                     institution_user: User, make_need, make_result) -> None:  # type: ignore[no-untyped-def]
    need = make_need(enterprise_user, title="极片涂布缺陷机器视觉检测",
                     problem="锂离子电池极片针孔划痕缺陷需要机器视觉在线检测")
    make_result(institution_user)
    assert db.scalar(select(func.count()).select_from(Match)) == 0  # made behind the app's back
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(Match.need_id)) == need.id


def test_set_role(app: Flask, db: Session, enterprise_user: User) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["set-role", enterprise_user.email, "broker"]).exit_code == 0
    db.refresh(enterprise_user)
    assert enterprise_user.role is Role.BROKER
    assert runner.invoke(args=["set-role", "nobody@example.cn", "broker"]).exit_code != 0


def test_rematch_all_and_bench_commands(app: Flask, db: Session, enterprise_user: User,
                                        institution_user: User, make_need, make_result) -> None:  # type: ignore[no-untyped-def]
    import json

    need = make_need(enterprise_user, title="极片涂布缺陷机器视觉检测",
                     problem="锂离子电池极片针孔划痕缺陷需要机器视觉在线检测")
    make_result(institution_user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rematch-all"])
    assert result.exit_code == 0, result.output
    assert "matches: 1" in result.output
    assert db.scalar(select(Match.need_id)) == need.id
    bench = runner.invoke(args=["bench", "--docs", "200", "--queries", "10", "--jobs", "1",
                                "--no-pss", "--json"])
    assert bench.exit_code == 0, bench.output
    assert list(json.loads(bench.output)) == [
        "docs", "fit_s", "add_ms", "query_p50_ms", "query_p95_ms", "rss_mb", "add_then_query_ms",
        "added_found", "rematch_ms_per_listing", "topn_ms_per_listing", "rematch_over_topn",
        "snapshot_load_s", "pss_mb_one_worker", "pss_mb_four_workers", "pss_four_over_one"]

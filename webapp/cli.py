"""The ``innomatch`` command: Flask's commands plus database, demo-data and account tools."""

from __future__ import annotations

import sys
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .app import create_app
from .db import get_engine, get_session


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """InnoMatch technology supply-demand matching service."""


FLASK_BUILTINS = frozenset({"run", "shell", "routes"})


def register_commands(app: Flask) -> None:
    """Make the project's commands available on ``app.cli`` too (``flask`` and test runners)."""
    for name, command in main.commands.items():
        if name not in FLASK_BUILTINS:
            app.cli.add_command(command, name)


@main.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION."""
    from .migrate import upgrade

    upgrade(get_engine(), revision)
    click.echo(f"database at {revision}: {_safe_url(current_app.config['DATABASE_URL'])}")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (``base`` empties it)."""
    from .migrate import downgrade

    downgrade(get_engine(), revision)
    click.echo(f"database at {revision}")


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("seed-demo")
@click.option("--scale", default="1", show_default=True,
              help="how many times the base demo world; 'innomatch' for the platform's size")
@click.option("--seed", default=2025, show_default=True, type=int)
@with_appcontext
def seed_demo(scale: str, seed: int) -> None:
    """Load the demo organisations, users, needs, results and solutions (idempotent)."""
    from .demo.seed import load_world, parse_scale

    try:
        factor, sizes = parse_scale(scale)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scale") from None
    session = get_session()
    counts = load_world(session, seed=seed, scale=factor, sizes=sizes)
    session.commit()
    click.echo(", ".join(f"{name}: +{n}" for name, n in counts.items()))
    if counts["needs"] or counts["results"]:
        from .matching.services import reindex

        matched = reindex(session)
        session.commit()
        click.echo(f"suggestions stored: {matched['matches']}")


@main.command("expire-needs")
@with_appcontext
def expire_needs_command() -> None:
    """Mark open needs past their validity date as expired and drop their suggestions
    (run daily)."""
    from .events import emit, listing_closed
    from .needs.services import expire_due_needs

    session = get_session()
    expired = expire_due_needs(session)
    for need in expired:
        emit(listing_closed, session=session, listing=need)
    session.commit()
    click.echo(f"expired: {len(expired)}")


@main.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the matcher indexes (saved as new snapshots in INDEX_DIR for every worker to
    load) and every stored suggestion."""
    from .matching.services import reindex

    session = get_session()
    counts = reindex(session)
    session.commit()
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))


@main.command("rematch-all")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(min=1),
              help="processes scoring chunks of listings (forked; 2 on a 2-core host)")
@with_appcontext
def rematch_all_command(jobs: int) -> None:
    """Recompute every stored suggestion with the current indexes, in chunks (run nightly).

    A progress bar on a terminal, a line per chunk otherwise. The new suggestions replace the
    old ones in one transaction at the end: interrupted or killed before it commits, the run
    leaves every stored suggestion as it was.
    """
    from .matching.rematch import stage_all, swap_in

    report = _RematchProgress()
    # A session of one connection throughout: the staged rows live in its temporary table.
    with get_engine().connect() as conn:
        session = current_app.extensions["db_sessionmaker"](bind=conn)
        try:
            staged = stage_all(session, n_jobs=jobs, progress=report)
            # Makes nothing visible (only this connection's temporary table was written):
            # ends the transaction that read the listings, so that the swap's own is short
            # (and SQLite lets it write although others wrote meanwhile).
            session.commit()
            stored = swap_in(session, staged)
            session.commit()
        except KeyboardInterrupt:
            session.rollback()
            report.close()
            click.echo("interrupted: the stored suggestions are unchanged", err=True)
            raise SystemExit(130) from None
        except BrokenProcessPool:
            session.rollback()
            report.close()
            raise click.ClickException(
                "a matching process died (out of memory? try fewer --jobs): the stored "
                "suggestions are unchanged") from None
        finally:
            session.close()
    report.close()
    click.echo(f"matches: {stored}")


class _RematchProgress:
    """``rematch-all``'s progress: a bar per side on a terminal, else a line per chunk."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self.side = ""
        self.bar: Any = None
        self.done = 0

    def __call__(self, side: str, done: int, total: int, rows: int) -> None:
        if not self.tty:
            click.echo(f"rematch-all: {side} {done}/{total}, {rows} suggestions staged, "
                       f"{time.monotonic() - self.start:.1f} s", err=True)
            return
        if side != self.side:
            self.close()
            self.side, self.done = side, 0
            self.bar = click.progressbar(range(total), label=f"rematch-all: {side}",
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command("evaluate")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--split", default="dev", show_default=True)
@click.option("--k", default=10, show_default=True, type=int)
@click.option("--service", is_flag=True,
              help="score the suggestions the need page shows (the whole service path)")
@click.option("--background", type=click.Path(exists=True, file_okay=False), default=None,
              help="with --service: another BEIR set whose corpus joins as unjudged results")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def evaluate_command(dataset_dir: str, split: str, k: int, service: bool,
                     background: str | None, as_json: bool) -> None:
    """Score the service's matcher on a BEIR-layout set (corpus, queries, qrels); with
    --service, the need page's suggestions loaded into a temporary database."""
    import json

    from matcher.evaluation import run_evaluation

    if background is not None and not service:
        raise click.BadParameter("--background needs --service", param_hint="--background")
    if service:
        from .matching.evaluation import evaluate_service

        figures = evaluate_service(dataset_dir, split=split, k=k, background=background)
    else:
        figures = run_evaluation(dataset_dir, split=split, k=k)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    for name, value in figures.items():
        click.echo(f"{name:>10}  {value:.4f}" if isinstance(value, float) else f"{name:>10}  {value}")


@main.command("bench")
@click.option("--docs", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="synthetic listings to index")
@click.option("--queries", default=1000, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(min=1),
              help="processes that tokenise during the fit")
@click.option("--pss/--no-pss", default=True, show_default=True,
              help="measure the memory of 1 and 4 processes serving the saved index")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def bench_command(docs: int, queries: int, seed: int, jobs: int, pss: bool,
                  as_json: bool) -> None:
    """Time the matcher on N synthetic listings: fit, add, query p50/p95, peak memory, the
    rematch beside sparse_dot_topn's first pass, snapshot load, memory of serving workers."""
    import json

    from matcher.bench import run_bench

    figures = run_bench(docs, queries, seed=seed, n_jobs=jobs, pss=pss)
    if as_json:
        click.echo(json.dumps(figures))
        return
    for name, value in figures.items():
        click.echo(f"{name:>22}  {value}")


@main.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["member", "broker", "operator"]))
@with_appcontext
def set_role(email: str, role: str) -> None:
    """Give the account with EMAIL a new ROLE."""
    from models import Role

    from .auth.services import find_user_by_email

    session = get_session()
    user = find_user_by_email(session, email)
    if user is None:
        raise click.ClickException(f"no account with e-mail {email}")
    user.role = Role(role)
    session.commit()
    click.echo(f"{user.email} is now {role}")


@main.command("send-mail")
@click.option("--limit", default=100, show_default=True, help="at most this many e-mails")
@with_appcontext
def send_mail(limit: int) -> None:
    """Write the message digests and the alert digests (saved searches, bookmarks) that are
    due, then deliver pending outbox e-mails over SMTP (or log them when MAIL_SERVER is not
    set)."""
    from .notifications.digests import compose_digests
    from .notifications.services import deliver_outbox
    from .saved.services import send_digests

    session = get_session()
    digests = compose_digests(session, int(current_app.config["MESSAGE_DIGEST_MINUTES"]))
    alerts = send_digests(session)
    session.commit()
    sent, failed = deliver_outbox(session, current_app.config, limit=limit)
    session.commit()
    click.echo(f"digests: {digests}, alert digests: {alerts.emails}, sent: {sent}, "
               f"failed: {failed}")


@main.command("report")
@click.option("--from", "date_from", default="", help="first day, YYYY-MM-DD (Asia/Shanghai)")
@click.option("--to", "date_to", default="", help="last day, YYYY-MM-DD, included")
@click.option("--field", default="", help="a technology field, e.g. new_energy")
@click.option("--region", default="", help="a province, e.g. 上海市")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@with_appcontext
def report_command(date_from: str, date_to: str, field: str, region: str, as_json: bool) -> None:
    """Print the match-rate report: docking rate, funnel and signed deals (docs/metrics.md)."""
    import json

    from .reports.services import ReportFilterError, build_report, parse_filters, report_dict

    try:
        filters = parse_filters({"from": date_from, "to": date_to, "field": field,
                                 "region": region})
    except ReportFilterError as exc:
        raise click.BadParameter(str(exc)) from None
    report = build_report(get_session(), filters)
    if as_json:
        # Amounts are Decimal 万元; written as strings so that no digit is lost.
        click.echo(json.dumps(report_dict(report), ensure_ascii=False, default=str))
        return
    h = report.headline
    rate = "—" if h["docking_rate"] is None else f"{h['docking_rate']:.1%}"
    click.echo(f"docking rate    {rate}  ({h['needs_docked']} / {h['needs_published']} needs)")
    click.echo(f"deals signed    {h['deals_signed']}  ({h['amount_signed_wan']:f} 万元)")
    for step in report.funnel:
        share = "" if step.of_first is None else f"  {step.of_first:.1%}"
        click.echo(f"  {step.key:<22} {step.count:>8}{share}")


@main.command("import")
@click.argument("kind", type=click.Choice(["needs", "results"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--only-valid", is_flag=True, help="import the rows that pass, skip the others")
@click.option("--dry-run", is_flag=True, help="check the file and report; import nothing")
@click.option("--by", "by_email", default="", help="the operator recorded as author "
              "(default: the first active operator)")
@with_appcontext
def import_command(kind: str, path: str, only_valid: bool, dry_run: bool, by_email: str) -> None:
    """Import needs or results from a CSV (UTF-8 or GBK) or XLSX file in the template's columns.

    Every row is checked first; with any problem nothing is imported unless --only-valid.
    """
    from pathlib import Path

    from sqlalchemy import select

    from models import Role, User

    from .transfer.services import import_file, limits

    session = get_session()
    if by_email:
        from .auth.services import find_user_by_email

        actor = find_user_by_email(session, by_email)
    else:
        actor = session.scalar(select(User).where(User.role == Role.OPERATOR,
                                                  User.is_active.is_(True)).order_by(User.id))
    if actor is None or not actor.is_operator:
        raise click.ClickException("imports are recorded under an operator: pass --by EMAIL "
                                   "of an operator account (see `innomatch set-role`)")
    file = Path(path)
    # Read one byte past the limit so that an oversized file is refused, not truncated.
    with file.open("rb") as handle:
        data = handle.read(limits().max_bytes + 1)
    report = import_file(session, kind, data, file.name, actor, only_valid=only_valid,
                         dry_run=dry_run)
    for problem in report.problems:
        where = f"row {problem.row}" if problem.row else "file"
        column = f", {problem.column}" if problem.column else ""
        click.echo(f"{where}{column}: {problem.message}", err=True)
    if report.imported:
        session.commit()
    else:
        session.rollback()
    click.echo(f"rows: {report.rows}, created: {len(report.created)}, "
               f"skipped: {len(report.skipped)}, problems: {len(report.problems)}, "
               f"organizations created: {len(report.organizations_created)}"
               + ("" if report.imported else ", nothing imported"))
    if report.problems and not report.imported:
        raise SystemExit(1)


@main.command("export")
@click.argument("kind", type=click.Choice(["needs", "results", "deals"]))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(kind: str, path: str) -> None:
    """Write every need, result or deal to PATH (.csv or .xlsx) in the template's columns."""
    from pathlib import Path

    from .transfer.services import export_rows, to_csv, to_xlsx

    target = Path(path)
    # The command line is run by whoever runs the platform: every contact is theirs to see.
    rows = export_rows(get_session(), kind, lambda result: True)
    writer = to_xlsx if target.suffix.lower() == ".xlsx" else to_csv
    target.write_bytes(writer(kind, rows))
    click.echo(f"{kind}: {len(rows)} rows written to {target}")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path: str) -> None:
    """Back the database up to PATH while the app runs.

    SQLite: a consistent copy through the online backup API. PostgreSQL: pg_dump's custom
    format (pg_dump on PATH).
    """
    from pathlib import Path

    from .backup import BackupError, backup

    url = current_app.config["DATABASE_URL"]
    try:
        backup(url, Path(path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup of {_safe_url(url)} written to {path}")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask before replacing the database's contents")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Replace the database's contents with the backup in PATH, all or nothing.

    PostgreSQL: pg_restore --clean in one transaction (pg_restore on PATH). Stop the app first
    or expect its open requests to fail; run ``innomatch reindex`` afterwards.
    """
    from pathlib import Path

    from .backup import BackupError, restore

    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(f"Replace everything in {_safe_url(url)} with {path}?", abort=True)
    get_engine().dispose()  # no pooled connection of this process holds the old contents
    try:
        restore(url, Path(path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{_safe_url(url)} restored from {path}; run 'innomatch reindex' next")


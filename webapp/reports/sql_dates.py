"""SQL expressions for calendar months and days on the Asia/Shanghai calendar, one per
dialect: PostgreSQL converts with its time zone database, SQLite (which has none) shifts by a
fixed eight hours, since China has kept UTC+8 without daylight saving since 1991."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# China has kept UTC+8 without daylight saving since 1991, so SQLite (which has no time zone
# database) can shift by a fixed eight hours and agree with PostgreSQL's Asia/Shanghai.
SQLITE_SHIFT = "+8 hours"
UNIX_EPOCH_JULIAN_DAY = 2440587.5


class local_month(FunctionElement[str]):
    """'YYYY-MM' of a UTC timestamp on the Asia/Shanghai calendar."""

    type = String()
    inherit_cache = True
    name = "local_month"


class date_month(FunctionElement[str]):
    """'YYYY-MM' of a DATE column."""

    type = String()
    inherit_cache = True
    name = "date_month"


class local_day(FunctionElement[int]):
    """Days since 1970-01-01 of a UTC timestamp's Asia/Shanghai calendar date."""

    type = Integer()
    inherit_cache = True
    name = "local_day"


class date_day(FunctionElement[int]):
    """Days since 1970-01-01 of a DATE column."""

    type = Integer()
    inherit_cache = True
    name = "date_day"


def _arg(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(local_month)
def _local_month_pg(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({_arg(element, compiler, **kw)}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


@compiles(local_month, "sqlite")
def _local_month_sqlite(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {_arg(element, compiler, **kw)}, '{SQLITE_SHIFT}')"


@compiles(date_month)
def _date_month_pg(element: date_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({_arg(element, compiler, **kw)}, 'YYYY-MM')"


@compiles(date_month, "sqlite")
def _date_month_sqlite(element: date_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {_arg(element, compiler, **kw)})"


@compiles(local_day)
def _local_day_pg(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"(CAST(({_arg(element, compiler, **kw)}) AT TIME ZONE 'Asia/Shanghai' AS DATE)"
            " - DATE '1970-01-01')")


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"CAST(julianday(date({_arg(element, compiler, **kw)}, '{SQLITE_SHIFT}'))"
            f" - {UNIX_EPOCH_JULIAN_DAY} AS INTEGER)")


@compiles(date_day)
def _date_day_pg(element: date_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({_arg(element, compiler, **kw)} - DATE '1970-01-01')"


@compiles(date_day, "sqlite")
def _date_day_sqlite(element: date_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(julianday({_arg(element, compiler, **kw)}) - {UNIX_EPOCH_JULIAN_DAY} AS INTEGER)"

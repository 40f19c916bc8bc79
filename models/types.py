"""Column types for money."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

FEN_PER_WAN = Decimal(1_000_000)  # 1 万元 = 10,000 yuan = 1,000,000 fen


class WanAmount(TypeDecorator[Decimal]):
    """An amount in 万元, held in Python as ``Decimal`` and stored as whole fen (BIGINT).

    Storing integers keeps sums exact on every database (SQLite has no decimal type and
    would otherwise go through floating point).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        """Convert 万元 to fen, refusing amounts finer than one fen."""
        if value is None:
            return None
        fen = Decimal(value) * FEN_PER_WAN
        if fen != fen.to_integral_value():
            raise ValueError(f"amount {value} 万元 is finer than one fen")
        return int(fen)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        """Convert stored fen back to 万元."""
        if value is None:
            return None
        return (Decimal(value) / FEN_PER_WAN).normalize()


def fen_to_wan(fen: int | None) -> Decimal:
    """Convert a sum of fen computed in SQL to 万元."""
    return (Decimal(fen or 0) / FEN_PER_WAN).normalize()

"""Format checks shared by the ORM, the forms and the importers."""

from __future__ import annotations

import re

# GB 32100-2015: the unified social credit code (统一社会信用代码) uses these 31 characters.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """Return the check character that completes the 17 leading characters of a credit code."""
    if len(first17) != 17:
        raise ValueError("a credit code has 17 characters before its check character")
    pairs = zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * weight for ch, weight in pairs)
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """Tell whether ``code`` is a well-formed credit code with a correct check character."""
    if not _CREDIT_CODE_SHAPE.match(code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def normalize_credit_code(code: str) -> str:
    """Upper-case a credit code and strip the blanks people paste around it."""
    return code.strip().upper()

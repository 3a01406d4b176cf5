"""The unified social credit code (统一社会信用代码, GB 32100-2015): its check character.

>>> is_valid_credit_code("91140100MA0GRXKJ8U")
False
>>> check_character("91140100MA0GRXKJ8")
'N'
>>> is_valid_credit_code("91110000600037341L")
True
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character that GB 32100 computes from the first 17 (ValueError if not in the set)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True when the code has 18 characters of the GB 32100 set and a correct check character."""
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    return check_character(code[:17]) == code[17]

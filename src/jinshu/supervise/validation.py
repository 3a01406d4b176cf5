"""Pydantic's complaints about supervision input as jinshu errors, in Chinese, naming the field.

>>> from pydantic import ValidationError
>>> from jinshu.supervise.schemas import ReportIn
>>> try:
...     ReportIn.model_validate({"reported_on": "2024-02-30", "percent": 120, "text": " "})
... except ValidationError as exc:
...     for e in input_error(exc).entries: print(e.location, e.message_zh)
reported_on 须为有效日期（YYYY-MM-DD）
percent 不能大于 100
text 不能为空
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from jinshu.errors import ErrorEntry, InputError

M = TypeVar("M", bound=BaseModel)

_PLAIN = {
    "missing": "必须填写",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "date_parsing": "须为有效日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为有效日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期，不带时刻",
    "date_type": "须为有效日期（YYYY-MM-DD）",
    "string_type": "须为文本",
    "list_type": "须为列表",
    "extra_forbidden": "不是可接受的字段",
}


def _message(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).split(" (", 1)[0]
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if kind == "too_long":
        return f"不能超过 {ctx.get('max_length')} 项"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    return _PLAIN.get(kind, "输入无效")


def _english(err: Any) -> str:
    """Pydantic's English; a check of ours words its problem ``中文 (English)``: the English."""
    if err["type"] == "value_error":
        text = str((err.get("ctx") or {}).get("error", err["msg"]))
        _, bracket, english = text.partition(" (")
        if bracket and english.endswith(")"):
            return english[:-1]
    return str(err["msg"])


def input_error(exc: ValidationError) -> InputError:
    """One entry per problem: the field path, the problem in Chinese and in English."""
    entries = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "body"
        value = err.get("input")
        shown = None if value is None or isinstance(value, dict) else str(value)[:80]
        entries.append(ErrorEntry(where, _message(err), _english(err), shown))
    return InputError(entries)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """``model`` from ``data``, or InputError naming every field that is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise input_error(exc) from None

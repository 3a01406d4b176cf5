"""Load a policy document folder, check every expression, and compile it: ``load_document``.

Every problem in every file is collected before refusing, each as ``file:line: item: problem``,
so one run of ``jinshu policies check`` shows them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jinshu.errors import ErrorEntry, PolicyError
from jinshu.facts.schema import RECORD_KINDS
from jinshu.rules.check import RuleCheckError, check_rule, names_in
from jinshu.rules.policyset import (
    Aggregate,
    Condition,
    Expr,
    Item,
    Parameter,
    PolicySet,
    Review,
    Step,
)
from jinshu.rules.pycompile import compile_python
from jinshu.rules.scope import base_names, history_names, record_names
from jinshu.rules.spec import ClauseSpec, DocumentSpec, ItemSpec

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "policies" / "shanxi-digital-economy"


class _Errors:
    def __init__(self) -> None:
        self.entries: list[ErrorEntry] = []

    def add(self, where: str, zh: str, en: str = "") -> None:
        self.entries.append(ErrorEntry(where, zh, en or zh))


def _line_of(text: str, needle: str) -> int:
    first = needle.strip().splitlines()[0] if needle.strip() else needle
    for number, line in enumerate(text.splitlines(), start=1):
        if first and first in line:
            return number
    return 1


def _read_yaml(path: Path, errors: _Errors) -> tuple[Any, str]:
    text = path.read_text("utf-8")
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        errors.add(f"{path.name}:{line}", f"YAML 语法错误：{exc}", "YAML syntax error")
        return None, text


def _pydantic_errors(path: Path, text: str, exc: ValidationError, errors: _Errors) -> None:
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        last = str(err["loc"][-1]) if err["loc"] else ""
        errors.add(f"{path.name}:{_line_of(text, last + ':')}", f"{loc}: {err['msg']}")


def _compile(sql: str, scope: set[str]) -> Expr:
    tree = check_rule(sql, scope)
    return Expr(sql=sql, tree=tree, fn=compile_python(tree), names=tuple(names_in(tree)))


def _compile_item(
    item_id: str,
    spec: ItemSpec,
    clause: ClauseSpec,
    params: dict[str, Parameter],
    where: str,
    text: str,
    errors: _Errors,
    doc_rulings: dict[str, Any],
) -> Item | None:
    ok = True

    def compiled(sql: str, scope: set[str], what: str) -> Expr | None:
        nonlocal ok
        try:
            return _compile(sql, scope)
        except RuleCheckError as exc:
            ok = False
            errors.add(f"{where}:{_line_of(text, sql)}", f"{item_id}.{what}: {exc}")
            return None

    if spec.grain not in ("applicant", "info") and spec.grain not in RECORD_KINDS:
        errors.add(f"{where}:{_line_of(text, item_id + ':')}", f"{item_id}: 未知粒度 {spec.grain}")
        return None
    scope = base_names() | set(params)
    if spec.grain in RECORD_KINDS:
        scope |= record_names(spec.grain)
    aggregates: list[Aggregate] = []
    for name, agg in spec.aggregates.items():
        if agg.of == "history":
            agg_scope = history_names() | set(params) | {"year"}
        elif agg.of in RECORD_KINDS:
            agg_scope = base_names() | set(params) | record_names(agg.of)
        else:
            errors.add(
                f"{where}:{_line_of(text, name + ':')}", f"{item_id}.{name}: 未知来源 {agg.of}"
            )
            ok = False
            continue
        e = compiled(agg.expr, agg_scope, f"aggregates.{name}")
        w = compiled(agg.where, agg_scope, f"aggregates.{name}.where") if agg.where else None
        if e is not None:
            aggregates.append(Aggregate(name, agg.of, agg.fn, e, w, agg.item))
        scope.add(name)
    where_expr = compiled(spec.where, scope, "where") if spec.where else None
    applies = compiled(spec.applies, scope, "applies") if spec.applies else None
    steps: list[Step] = []
    for st in spec.steps:
        e = compiled(st.sql, scope, f"steps.{st.id}")
        if e is not None:
            steps.append(Step(st.id, st.label, e))
        scope.add(st.id)
    conditions = []
    for cond in spec.conditions:
        e = compiled(cond.sql, scope, f"conditions.{cond.id}")
        if e is not None:
            conditions.append(Condition(cond.id, cond.reason, cond.reason_en, e))
    reviews = []
    for rev in spec.reviews:
        e = compiled(rev.sql, scope, "reviews")
        if e is not None:
            reviews.append(Review(rev.note, rev.note_en, e))
    track = compiled(spec.payout.track, scope, "payout.track") if spec.payout.track else None
    step_ids = {s.id for s in spec.steps}
    refs: list[str] = []
    for ref_name in (spec.payout.amount, spec.payout.min, spec.payout.max):
        if ref_name is not None:
            refs.append(ref_name)
    refs += [c.limit for c in spec.caps]
    if spec.at_most_years:
        refs.append(spec.at_most_years.years)
    if spec.split:
        refs += [spec.split.province, spec.split.city]
    for t, r in spec.payout.thresholds:
        refs += [t, r]
    refs += list(spec.payout.levels.values())
    for ref in refs:
        if ref not in step_ids and ref not in params:
            ok = False
            errors.add(
                f"{where}:{_line_of(text, ref)}",
                f"{item_id}: 未知步骤或参数 {ref} (unknown step or parameter)",
            )
    if spec.payout.kind == "fixed" and spec.payout.amount is None:
        ok = False
        errors.add(f"{where}:{_line_of(text, item_id + ':')}", f"{item_id}: fixed 须给出 amount")
    if spec.payout.kind == "ceiling" and spec.payout.max is None:
        ok = False
        errors.add(f"{where}:{_line_of(text, item_id + ':')}", f"{item_id}: ceiling 须给出 max")
    clause_rulings = {r.id: r for r in clause.rulings}
    rulings = []
    for rid in spec.rulings:
        ruling = clause_rulings.get(rid) or doc_rulings.get(rid)
        if ruling is None:
            ok = False
            errors.add(
                f"{where}:{_line_of(text, rid)}", f"{item_id}: 未知裁定 {rid} (unknown ruling)"
            )
        else:
            rulings.append(ruling)
    if not ok:
        return None
    used: dict[str, None] = {}
    exprs: Iterable[Expr] = [
        *(a.expr for a in aggregates),
        *(a.where for a in aggregates if a.where),
        *(s.expr for s in steps),
        *(c.expr for c in conditions),
        *(r.expr for r in reviews),
    ]
    for e in exprs:
        for n in e.names:
            if n in params:
                used.setdefault(n, None)
    for ref in refs:
        if ref in params:
            used.setdefault(ref, None)
    return Item(
        id=item_id,
        clause=clause.clause,
        spec=spec,
        where=where_expr,
        applies=applies,
        aggregates=tuple(aggregates),
        steps=tuple(steps),
        conditions=tuple(conditions),
        reviews=tuple(reviews),
        track=track,
        parameters=tuple(used),
        rulings=tuple(rulings),
    )


def load_document(path: Path | str = DEFAULT_DIR) -> PolicySet:
    """Load, check and compile one document folder (``document.yaml`` and one file per clause).

    Raises:
        PolicyError: listing every problem found, each with its file, line and item.
    """
    folder = Path(path)
    errors = _Errors()
    doc_path = folder / "document.yaml"
    if not doc_path.exists():
        raise PolicyError(
            [ErrorEntry(str(doc_path), "缺少 document.yaml", "document.yaml missing")]
        )
    raw, text = _read_yaml(doc_path, errors)
    document: DocumentSpec | None = None
    if raw is not None:
        try:
            document = DocumentSpec.model_validate(raw)
        except ValidationError as exc:
            _pydantic_errors(doc_path, text, exc, errors)
    clauses: list[tuple[ClauseSpec, Path, str]] = []
    for file in sorted(folder.glob("[0-9][0-9]-*.yaml")):
        raw, ctext = _read_yaml(file, errors)
        if raw is None:
            continue
        try:
            clause = ClauseSpec.model_validate(raw)
        except ValidationError as exc:
            _pydantic_errors(file, ctext, exc, errors)
            continue
        if int(file.name[:2]) != clause.clause:
            errors.add(f"{file.name}:1", f"文件名与条款号 {clause.clause} 不符")
        clauses.append((clause, file, ctext))
    if document is None:
        raise PolicyError(errors.entries)

    params: dict[str, Parameter] = {}
    for name, pspec in document.parameters.items():
        params[name] = Parameter(name, pspec, None)
    for clause, file, ctext in clauses:
        for name, pspec in clause.parameters.items():
            if name in params:
                errors.add(f"{file.name}:{_line_of(ctext, name + ':')}", f"参数 {name} 重复定义")
            params[name] = Parameter(name, pspec, clause.clause)

    items: dict[str, Item] = {}
    doc_rulings: dict[str, Any] = {r.id: r for r in document.rulings}
    for clause, file, ctext in sorted(clauses, key=lambda c: c[0].clause):
        for item_id, ispec in clause.items.items():
            if not item_id.startswith(f"p{clause.clause:02d}_"):
                errors.add(
                    f"{file.name}:{_line_of(ctext, item_id + ':')}",
                    f"{item_id}: 编号应以 p{clause.clause:02d}_ 开头",
                )
            if item_id in items:
                errors.add(f"{file.name}:{_line_of(ctext, item_id + ':')}", f"{item_id} 重复")
            compiled = _compile_item(
                item_id, ispec, clause, params, file.name, ctext, errors, doc_rulings
            )
            if compiled is not None:
                items[item_id] = compiled
    for rule in document.cross_item:
        for item_id in rule.items:
            if item_id not in items and not any(item_id in c.items for c, _, _ in clauses):
                errors.add("document.yaml", f"cross_item {rule.id}: 未知事项 {item_id}")
        if rule.switch and rule.switch not in params:
            errors.add("document.yaml", f"cross_item {rule.id}: 未知参数 {rule.switch}")
    if errors.entries:
        raise PolicyError(errors.entries)
    return PolicySet(
        path=folder,
        document=document,
        clauses=tuple(c for c, _, _ in sorted(clauses, key=lambda c: c[0].clause)),
        items=items,
        parameters=params,
        cross_item=tuple(document.cross_item),
        files={c.clause: f for c, f, _ in clauses},
    )


@cache
def default_policy_set() -> PolicySet:
    """The bundled Shanxi document, loaded once per process."""
    return load_document(DEFAULT_DIR)

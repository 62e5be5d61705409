"""How one model version's criteria map onto the previous version's (`migration.yaml`).

A version directory may hold a `migration.yaml` naming the version it migrates from and, for
every one of its criteria, where the criterion comes from (an old id, several, or none), what
changed, and whether an old answer carries over. Old ids that lead nowhere are listed as
removed, with the reason. `check_migration` verifies the declaration against both versions'
content: every old id is accounted for, no id is reused with another meaning, and every
declared change (pass mark, stage, gating, answer type, scope, wording) is real and none is
left undeclared. `describe_changes` turns it into words (`diam model diff`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diam.model.problems import Problem
from diam.model.schema import (
    BooleanAnswer,
    ChoiceAnswer,
    Criterion,
    Model,
    NumberAnswer,
    PercentAnswer,
    Threshold,
)


class Change(StrEnum):
    REWORDED = "reworded"  # the statement changed; the question is the same
    THRESHOLD = "threshold"  # the pass mark changed (min/max, or which options meet)
    MOVED = "moved"  # another core stage or branch
    GATING = "gating"  # became non-gating (or gating)
    RETYPED = "retyped"  # another answer type, options or unit
    SCOPE = "scope"  # bound to a jurisdiction or a service (or no longer)


CHANGE_WORDS = {
    Change.REWORDED: "reworded",
    Change.THRESHOLD: "pass mark changed",
    Change.MOVED: "moved",
    Change.GATING: "gating changed",
    Change.RETYPED: "answer type changed",
    Change.SCOPE: "applicability changed",
}

Carry = bool | Literal["if-met"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CriterionMigration(_Frozen):
    """Where one criterion of the new version comes from."""

    from_: str | tuple[str, ...] | None = Field(
        alias="from",
        description="Old id (same question, possibly changed), several old ids (merged), or "
        "null (added).",
    )
    changes: tuple[Change, ...] = Field(default=(), description="What changed, if anything.")
    carry: Carry = Field(
        default=True,
        description="`true`: an old answer that still fits is carried over; `if-met`: only an "
        "old answer that met the old criterion (e.g. one half of a split yes/no question); "
        "`false`: never (the question means something else now).",
    )
    note: str | None = Field(default=None, description="Why, in words, for people.")

    @property
    def sources(self) -> tuple[str, ...]:
        if self.from_ is None:
            return ()
        return (self.from_,) if isinstance(self.from_, str) else self.from_


class Migration(_Frozen):
    """`migration.yaml`: the mapping from the previous version."""

    from_version: str = Field(
        alias="from", pattern=r"^\d+\.\d+\.\d+$", description="The version migrated from."
    )
    criteria: dict[str, CriterionMigration] = Field(
        description="Every criterion of this version, by id."
    )
    removed: dict[str, str] = Field(
        default_factory=dict, description="Old ids with no successor, and why."
    )


def derived_changes(old: Criterion, new: Criterion) -> set[Change]:
    """What actually differs between an old criterion and its successor."""
    found: set[Change] = set()
    if " ".join(old.statement.split()) != " ".join(new.statement.split()):
        found.add(Change.REWORDED)
    if old.group != new.group:
        found.add(Change.MOVED)
    if old.gating != new.gating:
        found.add(Change.GATING)
    if (old.applies_in, old.services, old.services_any) != (
        new.applies_in,
        new.services,
        new.services_any,
    ):
        found.add(Change.SCOPE)
    if _answer_shape(old) != _answer_shape(new):
        found.add(Change.RETYPED)
    elif _rule_of(old) != _rule_of(new):
        found.add(Change.THRESHOLD)
    return found


def _answer_shape(c: Criterion) -> tuple[object, ...]:
    answer = c.answer
    if isinstance(answer, ChoiceAnswer):
        return ("choice", tuple(o.id for o in answer.options))
    if isinstance(answer, NumberAnswer):
        return ("number", answer.unit, answer.minimum, answer.maximum)
    return (answer.type.value,)


def _rule_of(c: Criterion) -> object:
    if isinstance(c.answer, ChoiceAnswer):
        return frozenset(o.id for o in c.answer.options if o.meets)
    rule = c.met_when
    if isinstance(rule, Threshold):
        return (rule.min, rule.max, rule.exclusive)
    return rule


def check_migration(*, migration: Migration, old: Model, new: Model, file: str) -> list[Problem]:
    """Every way the declared migration disagrees with the two versions; empty when sound."""
    problems: list[Problem] = []

    def error(message: str) -> None:
        problems.append(Problem.error(file, None, message))

    old_ids = set(old.criteria_by_id)
    new_by_id = new.criteria_by_id
    if migration.from_version != old.version:
        error(f"migrates from {migration.from_version}, but was checked against {old.version}")
    for cid in new_by_id:
        if cid not in migration.criteria:
            error(f"{cid}: not in the migration (say where it comes from, or `from: null`)")
    used: set[str] = set()
    for cid, entry in migration.criteria.items():
        crit = new_by_id.get(cid)
        if crit is None:
            error(f"{cid}: in the migration but not a criterion of {new.version}")
            continue
        for source in entry.sources:
            if source not in old_ids:
                error(f"{cid}: comes from {source}, which is not a criterion of {old.version}")
            used.add(source)
        if cid in old_ids and cid not in entry.sources:
            error(
                f"{cid}: the id existed in {old.version} but is declared to come from "
                f"{_sources_text(entry)}: an id is never reused with another meaning"
            )
        if len(entry.sources) == 1 and entry.sources[0] in old_ids:
            before = old.criteria_by_id[entry.sources[0]]
            real = derived_changes(before, crit)
            declared = set(entry.changes)
            for change in sorted(real - declared):
                error(
                    f"{cid}: {CHANGE_WORDS[change]} ({_change_detail(change, before, crit)}) "
                    "but the migration does not declare it"
                )
            for change in sorted(declared - real):
                error(f"{cid}: declares `{change}` but nothing of that kind changed")
        elif len(entry.sources) > 1 and entry.carry is True:
            error(
                f"{cid}: merged from {len(entry.sources)} criteria; say `carry: false` or `if-met`"
            )
    for old_id, reason in migration.removed.items():
        if old_id not in old_ids:
            error(f"removed {old_id} is not a criterion of {old.version}")
        if old_id in used:
            error(f"{old_id}: listed as removed but a criterion comes from it")
        if old_id in new_by_id:
            error(f"{old_id}: listed as removed but the id is still a criterion")
        if not reason.strip():
            error(f"removed {old_id}: give the reason")
    for old_id in sorted(old_ids - used - set(migration.removed)):
        error(f"{old_id} of {old.version} is not accounted for (map it or list it as removed)")
    retired = set(new.manifest.retired_ids)
    for old_id in sorted(set(migration.removed) - retired):
        error(f"{old_id} is removed but not in the manifest's retired_ids")
    return problems


def _sources_text(entry: CriterionMigration) -> str:
    return ", ".join(entry.sources) if entry.sources else "nothing (added)"


def rule_words(c: Criterion) -> str:
    """A criterion's pass mark in words, for change descriptions."""
    answer, rule = c.answer, c.met_when
    if isinstance(answer, BooleanAnswer):
        return "yes" if rule is not False else "no"
    if isinstance(answer, ChoiceAnswer):
        return "options " + ", ".join(o.id for o in answer.options if o.meets)
    assert isinstance(rule, Threshold)
    unit = " %" if isinstance(answer, PercentAnswer) else f" {getattr(answer, 'unit', '')}"
    if rule.min is not None:
        return f"{'>' if rule.exclusive else '≥'} {rule.min:g}{unit}"
    assert rule.max is not None
    return f"{'<' if rule.exclusive else '≤'} {rule.max:g}{unit}"


def _place(c: Criterion) -> str:
    where = f"core stage {c.stage}" if c.stage is not None else f"branch {c.branch}"
    return where if c.gating else f"{where} (non-gating)"


def _change_detail(change: Change, old: Criterion, new: Criterion) -> str:
    if change is Change.THRESHOLD:
        return f"{rule_words(old)} -> {rule_words(new)}"
    if change is Change.MOVED:
        return f"{_place(old)} -> {_place(new)}"
    if change is Change.GATING:
        return "now non-gating" if not new.gating else "now gating"
    if change is Change.RETYPED:
        if isinstance(old.answer, ChoiceAnswer) and isinstance(new.answer, ChoiceAnswer):
            before = ", ".join(o.id for o in old.answer.options)
            after = ", ".join(o.id for o in new.answer.options)
            return f"options {before} -> {after}"
        return f"{old.answer.type.value} -> {new.answer.type.value}"
    if change is Change.SCOPE:
        parts = []
        if new.applies_in:
            parts.append("applies only in " + ", ".join(new.applies_in))
        if new.services:
            parts.append("only where the organisation runs " + " and ".join(new.services))
        if new.services_any:
            parts.append("only where the organisation runs " + " or ".join(new.services_any))
        return "; ".join(parts) or "applies everywhere"
    return "statement changed"


def describe_changes(*, old: Model, new: Model, migration: Migration | None) -> list[str]:
    """The differences between two versions, one line per criterion, in words.

    With a migration declared from `old`, it says where each criterion comes from; without,
    criteria are matched by id.
    """
    lines: list[str] = []
    old_by_id = old.criteria_by_id
    if migration is None or migration.from_version != old.version:
        entries = {
            c.id: CriterionMigration(**{"from": c.id if c.id in old_by_id else None})
            for c in new.criteria
        }
        removed = {cid: "" for cid in old_by_id if cid not in new.criteria_by_id}
    else:
        entries = dict(migration.criteria)
        removed = dict(migration.removed)
    split_counts: dict[str, int] = {}
    for declared in entries.values():
        for source in declared.sources:
            split_counts[source] = split_counts.get(source, 0) + 1
    for crit in new.criteria:
        found = entries.get(crit.id)
        if found is None:
            continue
        entry = found
        note = f" {entry.note.strip()}" if entry.note else ""
        sources = [s for s in entry.sources if s in old_by_id]
        label = crit.label
        if not sources:
            lines.append(f"{label}: added ({_place(crit)}).{note}")
            continue
        if len(sources) > 1:
            lines.append(f"{label}: merged from {', '.join(sources)} ({_place(crit)}).{note}")
            continue
        before = old_by_id[sources[0]]
        parts = []
        if sources[0] != crit.id:
            kind = "split from" if split_counts[sources[0]] > 1 else "renamed from"
            parts.append(f"{kind} {sources[0]}")
        elif split_counts[sources[0]] > 1:
            parts.append(f"split (part of {sources[0]})")
        for change in sorted(derived_changes(before, crit)):
            if change is Change.REWORDED:
                parts.append("reworded")
            else:
                parts.append(f"{CHANGE_WORDS[change]}: {_change_detail(change, before, crit)}")
        if not parts:
            continue  # unchanged: not a difference
        carry = {True: "", "if-met": " Answers carry over only where they met it.", False: ""}
        if entry.carry is False:
            carry[False] = " Old answers do not carry over."
        lines.append(f"{label}: {'; '.join(parts)}.{note}{carry[entry.carry]}")
    for old_id, reason in removed.items():
        text = f" {reason.strip()}" if reason.strip() else ""
        lines.append(f"{old_by_id[old_id].label}: removed.{text}" if old_id in old_by_id else "")
    return [line for line in lines if line]

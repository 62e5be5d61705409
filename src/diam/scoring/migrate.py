"""Moving an assessment's answers onto a newer model version (pure).

`plan_migration` reads the new version's declared migration (`migration.yaml`) and the old
answers, and says for every criterion of the new version whether an old answer carries over
(and why) or new input is needed (and why). An answer carries only when the migration allows
it and the value still fits the new criterion (`parse_value`), the same test the web service
that creates the new draft applies, so the preview and the draft agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from diam.model.migration import CHANGE_WORDS, Change, CriterionMigration, Migration
from diam.model.schema import Criterion, Model
from diam.scoring.answers import AnswerValue, InvalidValue, NotApplicable, parse_value
from diam.scoring.explain import answer_text, explain_answer, pass_mark
from diam.scoring.result import Status


@dataclass(frozen=True, slots=True)
class Carried:
    """An old answer that carries over to a criterion of the new version."""

    criterion_id: str
    source_id: str
    value: AnswerValue
    reason: str


@dataclass(frozen=True, slots=True)
class NeedsInput:
    """A criterion of the new version that needs a new answer, and why."""

    criterion_id: str
    source_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """An old answer that no criterion of the new version takes over."""

    criterion_id: str
    reason: str


@dataclass(frozen=True)
class MigrationPlan:
    old: Model
    new: Model
    carried: tuple[Carried, ...]
    needs_input: tuple[NeedsInput, ...]
    dropped: tuple[Dropped, ...]

    @property
    def values(self) -> dict[str, AnswerValue]:
        """The carried answers, keyed by the new criterion ids."""
        return {c.criterion_id: c.value for c in self.carried}

    @property
    def sources(self) -> dict[str, str | None]:
        """New id -> old id whose answer carries, or None: what the draft service takes."""
        found: dict[str, str | None] = {c.criterion_id: c.source_id for c in self.carried}
        found.update({n.criterion_id: None for n in self.needs_input})
        return found


def _met(criterion: Criterion, value: AnswerValue) -> bool:
    """Whether a value met a criterion's own rule (the verdict the old assessment had)."""
    return explain_answer(criterion, value).status is Status.MET


def _changes_text(entry: CriterionMigration) -> str:
    words = [CHANGE_WORDS[c] for c in entry.changes if c is not Change.REWORDED]
    if Change.REWORDED in entry.changes:
        words.append("reworded")
    return ", ".join(words)


def plan_migration(
    *,
    old: Model,
    new: Model,
    migration: Migration,
    values: Mapping[str, AnswerValue],
) -> MigrationPlan:
    """For each criterion of `new`: carry an old answer or ask for new input, with reasons.

    `values` are the old assessment's answers (unanswered absent). Raises `ValueError` when
    the migration is not declared from `old`'s version.
    """
    if migration.from_version != old.version:
        raise ValueError(
            f"{new.id} {new.version} declares its migration from {migration.from_version}, "
            f"not from {old.version}"
        )
    carried: list[Carried] = []
    needs: list[NeedsInput] = []
    used: set[str] = set()
    old_by_id = old.criteria_by_id
    for crit in new.criteria:
        entry = migration.criteria.get(crit.id)
        note = f" {entry.note.strip()}" if entry is not None and entry.note else ""
        if entry is None or not entry.sources:
            needs.append(NeedsInput(crit.id, (), f"New in {new.version}.{note}"))
            continue
        sources = tuple(s for s in entry.sources if s in old_by_id)
        if len(sources) != 1:
            needs.append(
                NeedsInput(
                    crit.id, sources, f"Merged from {', '.join(sources)}: answer again.{note}"
                )
            )
            continue
        source = sources[0]
        before = old_by_id[source]
        value = values.get(source)
        if value is None:
            needs.append(NeedsInput(crit.id, sources, f"{source} was not answered."))
            continue
        said = answer_text(before, value)
        if entry.carry is False:
            needs.append(
                NeedsInput(
                    crit.id,
                    sources,
                    f"The question changed ({_changes_text(entry)}); you answered {said} to "
                    f"{source}.{note}",
                )
            )
            continue
        if entry.carry == "if-met" and not _met(before, value):
            needs.append(
                NeedsInput(
                    crit.id,
                    sources,
                    f"Split from {source}, where you answered {said} (not met), which says "
                    f"nothing about this part.{note}",
                )
            )
            continue
        if isinstance(value, NotApplicable):
            if not crit.na_allowed:
                needs.append(
                    NeedsInput(
                        crit.id,
                        sources,
                        f"{source} was N/A, which this version does not allow here (the service "
                        f"profile decides what applies).{note}",
                    )
                )
                continue
            carried_value: AnswerValue = value
        else:
            try:
                carried_value = parse_value(crit, value)
            except InvalidValue as exc:
                needs.append(
                    NeedsInput(
                        crit.id,
                        sources,
                        f"Your answer {said} to {source} no longer fits: {exc}.{note}",
                    )
                )
                continue
        used.add(source)
        carried.append(
            Carried(crit.id, source, carried_value, _carry_reason(before, crit, entry, note))
        )
    dropped: list[Dropped] = []
    for old_id in values:
        if old_id in used or old_id not in old_by_id:
            continue
        reason = migration.removed.get(old_id)
        if reason is None:
            successors = [cid for cid, e in migration.criteria.items() if old_id in e.sources]
            reason = (
                f"Not carried to {', '.join(successors)} (see there)."
                if successors
                else "No successor in the new version."
            )
        dropped.append(Dropped(old_id, reason))
    return MigrationPlan(old, new, tuple(carried), tuple(needs), tuple(dropped))


def _carry_reason(before: Criterion, after: Criterion, entry: CriterionMigration, note: str) -> str:
    if before.id != after.id:
        head = f"From {before.id}"
    else:
        head = "Same question"
    if not entry.changes:
        return f"{head}."
    parts = []
    if Change.THRESHOLD in entry.changes:
        parts.append(f"pass mark now {pass_mark(after)} (was {pass_mark(before)})")
    if Change.MOVED in entry.changes or Change.GATING in entry.changes:
        where = f"core stage {after.stage}" if after.stage is not None else f"branch {after.branch}"
        parts.append(f"now {where}" + ("" if after.gating else ", beyond the stage"))
    if Change.SCOPE in entry.changes:
        parts.append("applies only to some organisations")
    if Change.REWORDED in entry.changes and not parts:
        parts.append("reworded, same meaning")
    return f"{head}; {'; '.join(parts)}.{note}"

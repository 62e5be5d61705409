"""The meaning layer of model checking: rules that structure alone cannot express."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from diam.model.problems import Problem
from diam.model.schema import (
    CORE_STAGES,
    CRITERION_ID,
    AnswerType,
    BooleanAnswer,
    ChoiceAnswer,
    Condition,
    Criterion,
    FocusAreaFile,
    Manifest,
    NumberAnswer,
    PercentAnswer,
    ReferenceCatalogue,
    ReferenceKind,
    StageRuleMode,
    Threshold,
)

# Kinds that are technical standards: what "rests only on trial or draft standards" is about.
# Laws, guidelines and literature support a criterion's why, not its how.
_STANDARD_KINDS = frozenset(
    {ReferenceKind.IHE, ReferenceKind.DICOM, ReferenceKind.FHIR, ReferenceKind.STANDARD}
)

LineOf = Callable[[tuple[str | int, ...]], int | None]
LocatedArea = tuple[str, LineOf, FocusAreaFile]


def check_meaning(
    *,
    manifest: Manifest,
    manifest_file: str,
    manifest_line: LineOf | None,
    catalogue: ReferenceCatalogue,
    references_file: str,
    references_line: LineOf | None,
    areas: Sequence[LocatedArea],
) -> list[Problem]:
    """Every meaning problem of a structurally valid model; empty when the model is sound."""
    problems: list[Problem] = []
    mfile = manifest_file
    mline: LineOf = manifest_line or (lambda _p: None)
    rline: LineOf = references_line or (lambda _p: None)
    problems += _check_manifest(manifest, mfile, mline)

    tags = [r.tag for r in catalogue.references]
    for tag, count in Counter(tags).items():
        if count > 1:
            index = tags.index(tag, tags.index(tag) + 1)
            where = rline(("references", index, "tag"))
            problems.append(Problem.error(references_file, where, f"duplicate reference tag {tag}"))

    codes = {f.code for f in manifest.focus_areas}
    branches = {b.id for b in manifest.branches}
    systems = {s.id for s in manifest.systems}
    services = {s.id for s in manifest.services}
    jurisdictions = {j.id for j in manifest.jurisdictions}
    known_tags = set(tags)
    retired = set(manifest.retired_ids)
    for index, ref in enumerate(catalogue.references):
        if ref.jurisdiction is not None and ref.jurisdiction not in jurisdictions:
            problems.append(
                Problem.error(
                    references_file,
                    rline(("references", index, "jurisdiction")),
                    f"reference {ref.tag}: unknown jurisdiction {ref.jurisdiction} "
                    "(not in the manifest's jurisdictions)",
                )
            )
    refs_by_tag = {r.tag: r for r in catalogue.references}

    seen_ids: dict[str, str] = {}
    seen_areas: dict[str, str] = {}
    located: dict[str, tuple[str, LineOf, int]] = {}
    cited: set[str] = set()
    for file, line_of, area in areas:
        line = line_of
        if area.focus_area not in codes:
            problems.append(
                Problem.error(file, line(("focus_area",)), f"unknown focus area {area.focus_area}")
            )
        elif area.focus_area in seen_areas:
            problems.append(
                Problem.error(
                    file,
                    line(("focus_area",)),
                    f"focus area {area.focus_area} is also defined in "
                    f"{seen_areas[area.focus_area]}",
                )
            )
        else:
            seen_areas[area.focus_area] = file
        for index, crit in enumerate(area.criteria):

            def at(key: str, index: int = index, line_of: LineOf = line_of) -> int | None:
                return line_of(("criteria", index, key))

            def err(
                message: str, key: str = "id", crit: Criterion = crit, file: str = file
            ) -> None:
                problems.append(Problem.error(file, at(key), f"{crit.id}: {message}"))

            if not CRITERION_ID.match(crit.id):
                err("malformed id (expected two capital letters, a hyphen and two digits)")
            elif not crit.id.startswith(f"{area.focus_area}-"):
                err(f"id does not start with the file's focus area code {area.focus_area}-")
            if crit.focus_area != area.focus_area:
                err(
                    f"focus_area {crit.focus_area} differs from the file's {area.focus_area}",
                    "focus_area",
                )
            if crit.id in seen_ids:
                err(f"duplicate id (also in {seen_ids[crit.id]})")
            else:
                seen_ids[crit.id] = file
                located[crit.id] = (file, line_of, index)
            if crit.id in retired:
                err("id is retired (listed in the manifest's retired_ids) and cannot be reused")
            if (crit.stage is None) == (crit.branch is None):
                err("give exactly one of `stage` (1-4) or `branch`", "stage")
            elif crit.stage is not None and crit.stage not in CORE_STAGES:
                err(f"unknown core stage {crit.stage} (core stages are 1-4)", "stage")
            elif crit.branch is not None and crit.branch not in branches:
                err(f"unknown branch {crit.branch}", "branch")
            if crit.system not in systems:
                err(f"unknown system {crit.system!r} (not in the manifest's systems)", "system")
            for tag in crit.references:
                cited.add(tag)
                if tag not in known_tags:
                    err(f"reference tag {tag} is not in the reference catalogue", "references")
            for jid in crit.applies_in:
                if jid not in jurisdictions:
                    err(f"applies_in names unknown jurisdiction {jid}", "applies_in")
            for key in ("services", "services_any"):
                for sid in getattr(crit, key):
                    if sid not in services:
                        err(f"{key} names unknown service {sid!r} (not in the manifest)", key)
            for message, key in _check_answer_rule(crit):
                err(message, key)
            if crit.gating and crit.nonfinal_reason is None:
                standards = [
                    refs_by_tag[t]
                    for t in crit.references
                    if t in refs_by_tag and refs_by_tag[t].kind in _STANDARD_KINDS
                ]
                if standards and not any(r.is_final for r in standards):
                    listing = ", ".join(f"{r.tag} ({r.status})" for r in standards)
                    problems.append(
                        Problem.warning(
                            file,
                            at("references"),
                            f"{crit.id}: a gating criterion rests only on standards that are "
                            f"not final: {listing}; cite a final one or make it non-gating",
                        )
                    )

    criteria = {c.id: c for _, _, area in areas for c in area.criteria}
    for cid, (file, crit_line, index) in located.items():
        crit = criteria[cid]
        if crit.relevant_when is not None:
            where = crit_line(("criteria", index, "relevant_when"))
            for message in _check_condition(crit, crit.relevant_when, criteria):
                problems.append(Problem.error(file, where, f"{cid}: {message}"))
    for cid, message in _branch_coupling(criteria):
        file, crit_line, index = located[cid]
        problems.append(
            Problem.error(file, crit_line(("criteria", index, "relevant_when")), message)
        )
    for cycle in _cycles(criteria):
        file, crit_line, index = located[cycle[0]]
        chain = " -> ".join([*cycle, cycle[0]])
        problems.append(
            Problem.error(
                file,
                crit_line(("criteria", index, "relevant_when")),
                f"skip-logic conditions form a cycle: {chain}",
            )
        )

    # A stage or branch without gating criteria would pass on nothing at all.
    groups = Counter(c.group for c in criteria.values() if c.gating)
    for stage in CORE_STAGES:
        if groups[f"S{stage}"] == 0:
            problems.append(
                Problem.error(
                    mfile, mline(("stages",)), f"core stage {stage} has no gating criteria"
                )
            )
    for index, branch in enumerate(manifest.branches):
        if groups[branch.id] == 0:
            problems.append(
                Problem.error(
                    mfile,
                    mline(("branches", index)),
                    f"branch {branch.id} has no gating criteria",
                )
            )
    used_areas = Counter(c.focus_area for c in criteria.values())
    for index, fa in enumerate(manifest.focus_areas):
        if used_areas[fa.code] == 0:
            problems.append(
                Problem.warning(
                    mfile, mline(("focus_areas", index)), f"focus area {fa.code} has no criteria"
                )
            )
    for index, ref in enumerate(catalogue.references):
        if ref.tag not in cited:
            problems.append(
                Problem.warning(
                    references_file,
                    rline(("references", index, "tag")),
                    f"reference {ref.tag} is not cited by any criterion",
                )
            )
    return problems


def _check_manifest(manifest: Manifest, file: str, line: LineOf) -> Iterable[Problem]:
    rule = manifest.stage_rule
    if rule.mode is StageRuleMode.THRESHOLD and rule.threshold_percent is None:
        yield Problem.error(file, line(("stage_rule",)), "threshold mode needs threshold_percent")
    if rule.mode is StageRuleMode.STRICT and rule.threshold_percent is not None:
        yield Problem.error(
            file,
            line(("stage_rule", "threshold_percent")),
            "threshold_percent only applies to threshold mode",
        )
    for index, jurisdiction in enumerate(manifest.jurisdictions):
        bad = [
            c for c in jurisdiction.countries if len(c) != 2 or not c.isalpha() or c != c.upper()
        ]
        if bad:
            yield Problem.error(
                file,
                line(("jurisdictions", index, "countries")),
                f"jurisdiction {jurisdiction.id}: {', '.join(bad)} not ISO 3166-1 alpha-2 codes "
                "(two capital letters)",
            )
    for what, ids, key in (
        ("branch", [b.id for b in manifest.branches], "branches"),
        ("focus area", [f.code for f in manifest.focus_areas], "focus_areas"),
        ("system", [s.id for s in manifest.systems], "systems"),
        ("stage", [str(s.number) for s in manifest.stages], "stages"),
        ("service", [s.id for s in manifest.services], "services"),
        ("jurisdiction", [j.id for j in manifest.jurisdictions], "jurisdictions"),
    ):
        for value, count in Counter(ids).items():
            if count > 1:
                yield Problem.error(file, line((key,)), f"duplicate {what} {value}")
    if not manifest.branches:
        yield Problem.error(file, line(("branches",)), "the model needs at least one branch")
    # Stages 5.. are "stage 4 plus the number of mastered branches", so the stage list must
    # run exactly from 0 to 4 + the number of branches (three branches -> stages 0-7).
    expected = set(range(0, len(CORE_STAGES) + len(manifest.branches) + 1))
    numbers = {s.number for s in manifest.stages}
    if numbers != expected:
        missing = sorted(expected - numbers)
        extra = sorted(numbers - expected)
        detail = "; ".join(
            part
            for part in (
                f"missing {missing}" if missing else "",
                f"unexpected {extra}" if extra else "",
            )
            if part
        )
        yield Problem.error(
            file,
            line(("stages",)),
            f"stages must be 0-{max(expected)} for {len(manifest.branches)} branches ({detail})",
        )


def _check_answer_rule(crit: Criterion) -> Iterable[tuple[str, str]]:
    answer, rule = crit.answer, crit.met_when
    if isinstance(answer, BooleanAnswer):
        if not isinstance(rule, bool):
            yield "a boolean criterion needs `met_when: true` (or false)", "met_when"
    elif isinstance(answer, ChoiceAnswer):
        if rule is not None:
            yield "a choice criterion marks `meets` on its options instead of met_when", "met_when"
        ids = [o.id for o in answer.options]
        for value, count in Counter(ids).items():
            if count > 1:
                yield f"duplicate option id {value}", "answer"
        if not any(o.meets for o in answer.options):
            yield "no option meets the criterion", "answer"
        if all(o.meets for o in answer.options):
            yield "every option meets the criterion, so it can never be a gap", "answer"
    elif isinstance(answer, PercentAnswer | NumberAnswer):
        if not isinstance(rule, Threshold) or (rule.min is None) == (rule.max is None):
            yield "needs `met_when` with exactly one of min or max", "met_when"
            return
        low, high = (
            (0.0, 100.0) if isinstance(answer, PercentAnswer) else (answer.minimum, answer.maximum)
        )
        if isinstance(answer, NumberAnswer) and high is not None and high <= low:
            yield "answer maximum must be greater than its minimum", "answer"
        bound = rule.min if rule.min is not None else rule.max
        assert bound is not None
        if bound < low or (high is not None and bound > high):
            span = f"{low:g}-{high:g}" if high is not None else f">= {low:g}"
            yield f"threshold {bound:g} is outside the answer's range ({span})", "met_when"
        elif rule.exclusive and (
            (rule.min is not None and high is not None and bound >= high)
            or (rule.max is not None and bound <= low)
        ):
            yield f"an exclusive threshold at {bound:g} can never be met", "met_when"
    if crit.na is not None and not crit.na.allowed:
        yield "write `na` only when N/A is allowed (omit it otherwise)", "na"


def _check_condition(
    crit: Criterion, cond: Condition, criteria: dict[str, Criterion]
) -> Iterable[str]:
    operators = [
        name
        for name, value in (
            ("equals", cond.equals),
            ("in", cond.in_),
            ("not_in", cond.not_in),
            ("min", cond.min),
            ("max", cond.max),
        )
        if value is not None
    ]
    if len(operators) != 1:
        yield "relevant_when needs exactly one of equals, in, not_in, min, max"
    target = criteria.get(cond.criterion)
    if target is None:
        yield f"relevant_when names unknown criterion {cond.criterion}"
        return
    if target.id == crit.id:
        yield "relevant_when cannot depend on the criterion itself"
        return
    if crit.branch is not None and target.branch is not None and target.branch != crit.branch:
        yield (
            f"a branch {crit.branch} criterion cannot depend on {target.id} of branch "
            f"{target.branch}: branches must be achievable independently"
        )
    if crit.stage is not None and target.branch is not None:
        yield (
            f"a core-stage criterion cannot depend on {target.id} of branch {target.branch}: "
            "core stages come before branches"
        )
    kind = target.answer.type
    if cond.in_ is not None or cond.not_in is not None:
        if not isinstance(target.answer, ChoiceAnswer):
            yield f"in/not_in need a choice criterion, but {target.id} is {kind}"
        else:
            known = {o.id for o in target.answer.options}
            for option in (cond.in_ or ()) + (cond.not_in or ()):
                if option not in known:
                    yield f"relevant_when names unknown option {option!r} of {target.id}"
    if (cond.min is not None or cond.max is not None) and kind not in (
        AnswerType.PERCENT,
        AnswerType.NUMBER,
    ):
        yield f"min/max need a percent or number criterion, but {target.id} is {kind}"
    if cond.equals is not None:
        if kind is AnswerType.BOOLEAN and not isinstance(cond.equals, bool):
            yield f"equals must be true or false for boolean {target.id}"
        if isinstance(target.answer, ChoiceAnswer) and cond.equals not in {
            o.id for o in target.answer.options
        }:
            yield f"relevant_when names unknown option {cond.equals!r} of {target.id}"


def _cycles(criteria: dict[str, Criterion]) -> list[list[str]]:
    """Each skip-logic cycle once, as the list of ids along it."""
    edges = {
        cid: c.relevant_when.criterion
        for cid, c in criteria.items()
        if c.relevant_when is not None and c.relevant_when.criterion in criteria
    }
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in edges:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in done and node not in path:
            path.append(node)
            node = edges.get(node)
        if node is not None and node in path:
            cycles.append(path[path.index(node) :])
        done.update(path)
    return cycles


def _controllers(criteria: dict[str, Criterion], cid: str) -> list[str]:
    """The chain of criteria whose answers decide whether `cid` is asked, nearest first."""
    chain: list[str] = []
    current = criteria.get(cid)
    while current is not None and current.relevant_when is not None:
        controller = current.relevant_when.criterion
        if controller in chain or controller == cid or controller not in criteria:
            break  # cycles and unknown ids are reported elsewhere
        chain.append(controller)
        current = criteria[controller]
    return chain


def _branch_coupling(criteria: dict[str, Criterion]) -> list[tuple[str, str]]:
    """Criteria whose relevance ties one branch to another's answers (docs/model.md).

    Branches must be achievable in any order: no criterion of a branch (or of the core) may
    depend, directly or through a chain of skip-logic conditions, on an answer in another
    branch; and no one question may decide what two different branches require (a shared
    controlling question: answering it would change two branches at once).
    """
    found: list[tuple[str, str]] = []
    controls: dict[str, set[str]] = {}
    for cid, crit in criteria.items():
        chain = _controllers(criteria, cid)
        # The direct controller is checked (with its option names) in _check_condition.
        for controller in chain[1:]:
            other = criteria[controller].branch
            if other is not None and other != crit.branch:
                where = f"branch {crit.branch}" if crit.branch else "a core-stage"
                found.append(
                    (
                        cid,
                        f"{cid}: {where} criterion depends, through "
                        f"{' -> '.join(chain[: chain.index(controller)])}, on {controller} of "
                        f"branch {other}: branches must be achievable independently",
                    )
                )
                break
        if crit.gating and crit.branch is not None:
            for controller in chain:
                controls.setdefault(controller, set()).add(crit.branch)
    for controller, letters in sorted(controls.items()):
        if len(letters) > 1:
            found.append(
                (
                    controller,
                    f"{controller} decides whether gating criteria of branches "
                    f"{', '.join(sorted(letters))} are asked: one answer must not change what "
                    "two branches require (make the dependants non-gating or give each branch "
                    "its own question)",
                )
            )
    return found

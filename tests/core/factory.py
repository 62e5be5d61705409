"""Synthetic models built in memory, for property tests and threshold boundaries."""

from __future__ import annotations

from diam.model.schema import (
    BooleanAnswer,
    BranchInfo,
    Criterion,
    FocusAreaInfo,
    JurisdictionInfo,
    Manifest,
    Model,
    Reference,
    ServiceInfo,
    StageInfo,
    StageRule,
    StageRuleMode,
    SystemInfo,
)

FOCUS_AREAS = ("AA", "BB", "CC")
SERVICES = ("xr", "kids")
COUNTRIES = ("DE", "SA")  # one inside the synthetic jurisdiction, one outside


def make_model(
    sizes: dict[str, int],
    *,
    mode: StageRuleMode = StageRuleMode.STRICT,
    threshold: float | None = None,
    branch_letters: tuple[str, ...] = ("A", "B", "C"),
    na_allowed: bool = False,
) -> Model:
    """A model whose groups (`S1`..`S4`, branch letters) have `sizes[group]` boolean criteria."""
    criteria = []
    n = 0
    for group, size in sizes.items():
        for _ in range(size):
            n += 1
            fa = FOCUS_AREAS[n % len(FOCUS_AREAS)]
            criteria.append(
                Criterion(
                    id=f"{fa}-{n:02d}",
                    focus_area=fa,
                    stage=int(group[1]) if group.startswith("S") else None,
                    branch=None if group.startswith("S") else group,
                    statement="s",
                    guidance="g",
                    answer=BooleanAnswer(type="boolean"),
                    met_when=True,
                    na={"condition": "c"} if na_allowed else None,
                    evidence="e",
                    references=("R",),
                    recommendation="r",
                    ask="a",
                    system="x",
                    effort=1,
                    impact=1,
                )
            )
    stages = tuple(
        StageInfo(number=i, name=f"Stage {i}", description="d")
        for i in range(0, 5 + len(branch_letters))
    )
    manifest = Manifest(
        id="synthetic",
        version="0.0.1",
        name="Synthetic",
        description="d",
        stage_rule=StageRule(mode=mode, threshold_percent=threshold),
        stages=stages,
        branches=tuple(
            BranchInfo(id=b, name=f"Branch {b}", description="d") for b in branch_letters
        ),
        focus_areas=tuple(FocusAreaInfo(code=c, name=c, description="d") for c in FOCUS_AREAS),
        systems=(SystemInfo(id="x", name="X"),),
        services=tuple(ServiceInfo(id=s, name=s, question=f"{s}?") for s in SERVICES),
        jurisdictions=(JurisdictionInfo(id="EU", name="EU", countries=("DE", "FR")),),
    )
    return Model(
        manifest=manifest,
        references=(Reference(tag="R", title="R", url="https://example.org", kind="standard"),),
        criteria=tuple(criteria),
        content_hash="synthetic",
    )


def ids_of(model: Model, group: str) -> list[str]:
    return [c.id for c in model.criteria if c.group == group]

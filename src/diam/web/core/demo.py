"""Load the demo organisation, its people and a synthetic peer population (`diam demo`)."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from diam.demo import (
    synthetic_answers,
    synthetic_organisation,
    synthetic_services,
)
from diam.model.schema import Model
from diam.paths import UnknownModel, shipped_model
from diam.scoring.answers import AnswerValue, NotApplicable
from diam.scoring.context import Context
from diam.scoring.engine import score
from diam.scoring.result import Result
from diam.web.accounts.models import Membership, Organisation, ProgrammeRole, Role, User
from diam.web.assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentEvent,
    EventKind,
    Status,
)
from diam.web.assessments.services import answer_save, assessment_rescore
from diam.web.benchmarks.models import Population
from diam.web.benchmarks.services import (
    benchmark_entries_rebuild,
    benchmark_refresh_paused,
    benchmark_release_cut,
    benchmark_release_cut_if_due,
)
from diam.web.validation.models import RequestState, ValidationDecision, ValidationRequest
from diam.web.validation.services.decision import certificate_code, validity_of

DEMO_ORGANISATION = "Demo University Hospital"
DEMO_PASSWORD = "diam-demo-2026"  # noqa: S105 - documented demo login, demo data only
DEMO_USERS = (
    ("admin@demo.example.org", "Dana Admin (demo)", Role.ADMIN),
    ("contributor@demo.example.org", "Chris Contributor (demo)", Role.CONTRIBUTOR),
    ("viewer@demo.example.org", "Vera Viewer (demo)", Role.VIEWER),
)
PROGRAMME_ADMIN = ("programme@demo.example.org", "Pat Programme (demo)")
# A validator of the programme (a member of no organisation), to try the validation workflow.
VALIDATOR = ("validator@demo.example.org", "Val Validator (demo)")
# The demo organisation's country gets extra peers (besides its share in diam.demo.COUNTRIES)
# so that, with a few hundred organisations, its country group passes k and shows figures.
DEMO_COUNTRY = "NL"
DEMO_COUNTRY_EVERY = 10  # every 10th peer is in DEMO_COUNTRY
# Earlier rounds of repeat assessments stay on this older model version for about half of the
# organisations (their history was answered before the current version was installed).
HISTORY_VERSION = "1.0.0"
HISTORY_ON_OLD_VERSION = 0.5


def _history_model(model: Model) -> Model:
    """The older version history rounds stay on; the current one when it is not installed."""
    try:
        return shipped_model(model.id, HISTORY_VERSION)
    except UnknownModel:
        return model


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    organisations: int
    assessments: int
    logins: tuple[tuple[str, str, str], ...]  # (e-mail, password, what it is)
    # The second factor of the demo logins whose role requires one (programme admin, validator):
    # (e-mail, authenticator key, unused recovery codes), printed with the logins so the demo
    # works without a phone.
    second_factors: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


def _user(email: str, name: str, **extra: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name, **extra)
    else:
        # Keep the documented demo password working even if someone changed it.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _logins() -> tuple[tuple[str, str, str], ...]:
    people = [
        (e, DEMO_PASSWORD, f"{role.label} of {DEMO_ORGANISATION}") for e, _, role in DEMO_USERS
    ]
    people.append((PROGRAMME_ADMIN[0], DEMO_PASSWORD, "programme admin (Django admin at /admin/)"))
    people.append((VALIDATOR[0], DEMO_PASSWORD, "validator of the programme"))
    return tuple(people)


def _store(assessment: Assessment, values: dict[str, AnswerValue]) -> list[Answer]:
    rows = []
    for cid, value in values.items():
        if isinstance(value, NotApplicable):
            rows.append(
                Answer(
                    assessment=assessment,
                    criterion_id=cid,
                    na=True,
                    justification=value.justification,
                    version=1,
                )
            )
        else:
            rows.append(Answer(assessment=assessment, criterion_id=cid, value=value, version=1))
    return rows


def _when(rng: random.Random, now: datetime, *, days_ago: tuple[int, int]) -> datetime:
    return now - timedelta(days=rng.randint(*days_ago), hours=rng.randint(0, 23))


def demo_load(
    *, organisations: int = 60, seed: int = 2026, progress: Callable[[int], None] | None = None
) -> DemoSummary:
    """Create the demo data unless it exists; deterministic for a given seed.

    Current assessments are on the latest model version; some history stays on the older one.
    """
    model = shipped_model()
    if Organisation.objects.filter(name=DEMO_ORGANISATION, is_demo=True).exists():
        for email, name, _ in DEMO_USERS:
            _user(email, name)
        programme = _user(*PROGRAMME_ADMIN)
        validator = _user(*VALIDATOR, programme_role=ProgrammeRole.VALIDATOR)
        benchmark_entries_rebuild()  # cheap; repairs rows of a database made before benchmarks
        _history_repair()  # a demo database made before its history was recorded
        benchmark_release_cut_if_due(population=Population.DEMO)
        return DemoSummary(
            False,
            Organisation.objects.filter(is_demo=True).count(),
            Assessment.objects.filter(organisation__is_demo=True).count(),
            _logins(),
            (_demo_second_factor(programme), _demo_second_factor(validator)),
        )
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    made = 0
    # One bulk rebuild of the benchmark rows at the end instead of a refresh per assessment.
    with benchmark_refresh_paused():
        with transaction.atomic():
            _demo_organisation(model, rng)
            programme = _user(
                *PROGRAMME_ADMIN,
                programme_role=ProgrammeRole.ADMIN,
                is_staff=True,
                is_superuser=True,
            )
            validator = _user(*VALIDATOR, programme_role=ProgrammeRole.VALIDATOR)
        batch = 200
        for start in range(0, organisations, batch):
            with transaction.atomic():
                made += _peers(model, rng, start, min(batch, organisations - start))
            if progress is not None:
                progress(min(batch, organisations - start))
    benchmark_entries_rebuild()
    # The demo organisations' own release (shown only in demo mode, labelled as demo data).
    benchmark_release_cut(population=Population.DEMO)
    return DemoSummary(
        True,
        organisations + 1,
        made + 3,
        _logins(),
        (_demo_second_factor(programme), _demo_second_factor(validator)),
    )


def _demo_second_factor(user: User) -> tuple[str, str, tuple[str, ...]]:
    """A demo login's e-mail, authenticator key and unused recovery codes (made once; new
    codes only when all were used). Demo data only: real people enrol on first sign-in."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from diam.web.security.twofactor import recovery_codes_replace

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
    codes = tuple(
        StaticToken.objects.filter(device__user=user).order_by("id").values_list("token", flat=True)
    )
    if not codes:
        codes = tuple(recovery_codes_replace(user=user))
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return user.email, key, codes


# The demo hospital's services: a university hospital without radionuclide therapy, with AI.
DEMO_SERVICES = {
    "ct": True,
    "mr": True,
    "mammography": True,
    "nuclear-medicine": True,
    "radionuclide-therapy": False,
    "interventional": True,
    "paediatrics": True,
    "other-image-areas": True,
    "external-referrers": True,
    "ai": True,
}


def _demo_organisation(model: Model, rng: random.Random) -> None:
    org = Organisation.objects.create(
        name=DEMO_ORGANISATION,
        org_type="hospital",
        country="NL",
        beds=650,
        annual_exams=240_000,
        is_demo=True,
        service_areas=["radiology", "cardiology", "endoscopy", "pathology", "pocus"],
    )
    users = []
    for email, name, role in DEMO_USERS:
        user = _user(email, name)
        Membership.objects.create(user=user, organisation=org, role=role)
        users.append(user)
    admin, contributor = users[0], users[1]
    now = timezone.now()
    # A pilot two years ago on the older model version (stage 1): it shows history on 1.0.0
    # and the preview of moving an assessment to the current version.
    old = _history_model(model)
    pilot = Assessment.objects.create(
        organisation=org,
        title="Pilot assessment",
        model_id=old.id,
        model_version=old.version,
        model_hash=old.content_hash,
        created_by=admin,
        status=Status.SUBMITTED,
        submitted_by=admin,
        submitted_at=now - timedelta(days=760),
    )
    Answer.objects.bulk_create(_store(pilot, synthetic_answers(old, rng, 1)))
    assessment_rescore(assessment=pilot)
    Assessment.objects.filter(pk=pilot.pk).update(created_at=now - timedelta(days=780))
    _history(
        pilot,
        created=now - timedelta(days=780),
        submitted=now - timedelta(days=760),
        people=(admin, contributor),
    )
    services = {s.id: DEMO_SERVICES.get(s.id, True) for s in model.manifest.services}
    context = Context(country=str(org.country), services=services)
    # Last year's submitted assessment (stage 2), to show repeat assessments over time.
    previous = Assessment.objects.create(
        organisation=org,
        title="Baseline assessment",
        model_id=model.id,
        model_version=model.version,
        model_hash=model.content_hash,
        created_by=admin,
        status=Status.SUBMITTED,
        submitted_by=admin,
        submitted_at=now - timedelta(days=380),
        services=services,
    )
    Answer.objects.bulk_create(_store(previous, synthetic_answers(model, rng, 2, context=context)))
    assessment_rescore(assessment=previous)
    Assessment.objects.filter(pk=previous.pk).update(created_at=now - timedelta(days=400))
    _history(
        previous,
        created=now - timedelta(days=400),
        submitted=now - timedelta(days=380),
        people=(admin, contributor),
    )
    # This year's draft, about half filled in by two people (with history).
    draft = Assessment.objects.create(
        organisation=org,
        title=f"Assessment {now:%Y}",
        model_id=model.id,
        model_version=model.version,
        model_hash=model.content_hash,
        created_by=admin,
        services=services,
    )
    AssessmentEvent.objects.create(assessment=draft, kind=EventKind.CREATED, user=admin)
    values = synthetic_answers(model, rng, 4, context=context)
    for i, criterion in enumerate(model.criteria):
        if criterion.focus_area not in {"SI", "HX", "WS", "QS", "PE"} or criterion.id not in values:
            continue
        value = values[criterion.id]
        na = isinstance(value, NotApplicable)
        answer_save(
            assessment=draft,
            criterion_id=criterion.id,
            value=None if na else value,
            na=na,
            justification=value.justification if isinstance(value, NotApplicable) else "",
            comment="Checked with the PACS team (demo)." if i % 7 == 0 else "",
            expected_version=None,
            user=admin if i % 2 else contributor,
        )


def _history(
    assessment: Assessment, *, created: datetime, submitted: datetime, people: tuple[User, User]
) -> None:
    """The history a submitted demo assessment's pages claim: created and submitted by its
    admin (`people[0]`), each answer given by one of `people` on a day between the two. The
    answers are stored in bulk (fast), so the rows the services would write are written here,
    dated in the past."""
    admin = people[0]
    answers = list(assessment.answers.order_by("criterion_id"))
    span = max(1, (submitted - created).days - 1)
    when = {
        a.pk: created + timedelta(days=1 + i * span // max(1, len(answers)))
        for i, a in enumerate(answers)
    }
    for i, answer in enumerate(answers):
        answer.updated_by = people[i % len(people)]
        answer.updated_at = when[answer.pk]
    Answer.objects.bulk_update(answers, ["updated_by", "updated_at"])
    AnswerChange.objects.bulk_create(
        AnswerChange(answer=a, changed_by=a.updated_by, old=Answer().snapshot(), new=a.snapshot())
        for a in answers
    )
    changes = list(AnswerChange.objects.filter(answer__assessment=assessment))
    for change in changes:  # auto_now_add dated them today
        change.changed_at = when[change.answer_id]
    AnswerChange.objects.bulk_update(changes, ["changed_at"])
    events = [
        AssessmentEvent.objects.create(assessment=assessment, kind=EventKind.CREATED, user=admin),
        AssessmentEvent.objects.create(assessment=assessment, kind=EventKind.SUBMITTED, user=admin),
    ]
    events[0].at, events[1].at = created, submitted
    AssessmentEvent.objects.bulk_update(events, ["at"])


def _history_repair() -> None:
    """Give the demo hospital's submitted assessments the history `_history` records, where a
    demo database loaded by an earlier version has none (`make run` keeps existing data)."""
    org = Organisation.objects.filter(name=DEMO_ORGANISATION, is_demo=True).first()
    people = [User.objects.filter(email=email).first() for email, _, _ in DEMO_USERS[:2]]
    if org is None or people[0] is None or people[1] is None:
        return
    for assessment in org.assessments.filter(status=Status.SUBMITTED, events__isnull=True):
        _history(
            assessment,
            created=assessment.created_at,
            submitted=assessment.submitted_at or assessment.created_at,
            people=(people[0], people[1]),
        )


def _peers(model: Model, rng: random.Random, start: int, count: int) -> int:
    now = timezone.now()
    made = 0
    old = _history_model(model)
    answers: list[Answer] = []
    scored: list[tuple[Assessment, Model, dict[str, AnswerValue], Context]] = []
    for index in range(start, start + count):
        spec = synthetic_organisation(rng, index + 1)
        country = DEMO_COUNTRY if index % DEMO_COUNTRY_EVERY == 0 else spec.country
        org = Organisation.objects.create(
            name=spec.name,
            country=country,
            org_type=spec.org_type,
            beds=spec.beds,
            annual_exams=spec.annual_exams,
            service_areas=list(spec.service_areas),
            benchmarking_consent=rng.random() > 0.05,
            is_demo=True,
        )
        services = synthetic_services(model, rng, spec)
        rounds = [spec.target_stage]
        if rng.random() < 0.3:  # repeat assessments: an earlier, lower stage
            rounds.insert(0, max(0, spec.target_stage - rng.randint(1, 2)))
        history_on_old = rng.random() < HISTORY_ON_OLD_VERSION
        for n, target in enumerate(rounds):
            latest = n == len(rounds) - 1
            used = old if (not latest and history_on_old) else model
            submitted = _when(rng, now, days_ago=(10, 300) if latest else (380, 720))
            validated = latest and target >= 5 and rng.random() < 0.5
            profile = _profile_for(used, services)
            assessment = Assessment.objects.create(
                organisation=org,
                title=f"Assessment {submitted:%Y}",
                model_id=used.id,
                model_version=used.version,
                model_hash=used.content_hash,
                status=Status.VALIDATED if validated else Status.SUBMITTED,
                submitted_at=submitted,
                services=profile,
            )
            context = Context(country=country, services=profile)
            values = synthetic_answers(used, rng, target, context=context)
            answers += _store(assessment, values)
            scored.append((assessment, used, values, context))
            made += 1
    Answer.objects.bulk_create(answers, batch_size=2000)
    for assessment, used, values, context in scored:
        result = score(used, values, context)
        assessment_rescore(assessment=assessment, result=result)
        if assessment.status == Status.VALIDATED:
            _peer_decision(assessment, result)
    return made


def _peer_decision(assessment: Assessment, result: Result) -> None:
    """The decision behind a demo peer's validated stage, so that every page agrees: the
    console's "validated", the certificates, the registry and the benchmarks' validated marks
    all read it (a status without a decision read "Stage 6 (validated)" beside "Validated: no").
    Made directly, not through the review workflow: no demo validator reviewed these peers."""
    submitted = assessment.submitted_at or timezone.now()
    decided_on = min(timezone.localdate(submitted) + timedelta(days=30), timezone.localdate())
    request = ValidationRequest.objects.create(
        assessment=assessment,
        organisation=assessment.organisation,
        state=RequestState.DECIDED,
        requested_at=submitted,
        self_assessed_stage=result.stage,
        contact_name="Demo contact",
        contact_email="contact@demo.example.org",
        proposed_dates="Demo data: no visit was planned.",
        closed_at=submitted + timedelta(days=30),
    )
    valid_until, due = validity_of(decided_on)
    decision = ValidationDecision(
        request=request,
        organisation=assessment.organisation,
        stage=result.stage,
        core_stage=result.core_stage,
        branches="".join(result.mastered_branches),
        self_assessed_stage=result.stage,
        accepted=len(result.values),
        rejected=0,
        narrative="Demo data: a made-up decision for a made-up organisation.",
        decided_on=decided_on,
        valid_until=valid_until,
        revalidation_due=due,
        validators=[VALIDATOR[1]],
    )
    decision.code = certificate_code(decision)
    decision.save()


def _profile_for(model: Model, services: dict[str, bool]) -> dict[str, bool]:
    """The service profile as far as the model version asks it (an older one may not)."""
    known = {s.id for s in model.manifest.services}
    return {k: v for k, v in services.items() if k in known}

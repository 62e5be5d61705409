"""People, organisations and who may do what in which organisation."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField

from diam.regions import REGIONS, UNKNOWN_REGION, region_for
from diam.web.core.validators import (
    ANNUAL_EXAMS_MAX,
    BEDS_MAX,
    EMAIL_MAX_LENGTH,
    validate_plain_text,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("programme_role", ProgrammeRole.ADMIN)
        return self.create_user(email, password, **extra)


class ProgrammeRole(models.TextChoices):
    NONE = "", "None"
    ADMIN = "programme_admin", "Programme admin"
    VALIDATOR = "validator", "Validator"


class User(AbstractBaseUser, PermissionsMixin):
    """A person; signs in with an e-mail address."""

    email = models.EmailField(unique=True, max_length=EMAIL_MAX_LENGTH)
    name = models.CharField(max_length=150, validators=[validate_plain_text])
    programme_role = models.CharField(
        max_length=20, choices=ProgrammeRole.choices, blank=True, default=ProgrammeRole.NONE
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_programme_admin(self) -> bool:
        return self.is_active and (self.programme_role == ProgrammeRole.ADMIN or self.is_superuser)

    @property
    def is_validator(self) -> bool:
        return self.is_active and self.programme_role == ProgrammeRole.VALIDATOR


class OrganisationType(models.TextChoices):
    HOSPITAL = "hospital", "Hospital"
    IMAGING_CENTRE = "imaging_centre", "Imaging centre"
    NETWORK = "network", "Hospital or imaging network"
    OTHER = "other", "Other"


class ServiceArea(models.TextChoices):
    """Image-producing service areas (the unit of pervasiveness in enterprise imaging)."""

    RADIOLOGY = "radiology", "Radiology"
    CARDIOLOGY = "cardiology", "Cardiology"
    PATHOLOGY = "pathology", "Pathology"
    ENDOSCOPY = "endoscopy", "Endoscopy"
    DERMATOLOGY = "dermatology", "Dermatology / clinical photography"
    OPHTHALMOLOGY = "ophthalmology", "Ophthalmology"
    POCUS = "pocus", "Point-of-care ultrasound"
    DENTAL = "dental", "Dental"
    OTHER = "other", "Other"


def validate_service_areas(value: Any) -> None:
    allowed = set(ServiceArea.values)
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise ValidationError(f"Service areas must be a list of: {', '.join(sorted(allowed))}")


class Organisation(models.Model):
    """A hospital, imaging centre or network that assesses itself."""

    name = models.CharField(max_length=200, validators=[validate_plain_text])
    org_type = models.CharField(
        "type", max_length=20, choices=OrganisationType.choices, default=OrganisationType.HOSPITAL
    )
    country = CountryField()
    region = models.CharField(
        max_length=60,
        blank=True,
        choices=[(r, r) for r in (*REGIONS, UNKNOWN_REGION)],
        help_text="Derived from the country unless set; used to form benchmark peer groups.",
    )
    beds = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(BEDS_MAX)]
    )
    annual_exams = models.PositiveIntegerField(
        "annual imaging exams",
        null=True,
        blank=True,
        validators=[MaxValueValidator(ANNUAL_EXAMS_MAX)],
    )
    service_areas = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_service_areas],
        help_text="Image-producing service areas.",
    )
    benchmarking_consent = models.BooleanField(
        default=True,
        help_text="Include this organisation's submitted results, anonymised and only in "
        "groups of at least five organisations, in peer benchmarks.",
    )
    is_demo = models.BooleanField(
        default=False, help_text="Synthetic demonstration data, clearly labelled as such."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.region and self.country:
            self.region = region_for(str(self.country.code))
        super().save(*args, **kwargs)

    @property
    def service_area_labels(self) -> list[str]:
        labels = dict(ServiceArea.choices)
        return [str(labels.get(v, v)) for v in self.service_areas]


class Role(models.TextChoices):
    ADMIN = "admin", "Organisation admin"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]
        ordering = ("organisation__name", "user__name")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.organisation}"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.ADMIN, Role.CONTRIBUTOR)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Invitation(models.Model):
    """An e-mailed invitation; accepted through a signed, expiring link."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

"""The organisation of a district: places, departments, the ladder, and the people with their roles.

Everything here except people is loaded from a district preset (`demandloop/org/presets/*.yaml`), so a district's
whole mechanism is data (DESIGN.md §3). Natural keys (district code + entity code) make loading idempotent.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from knox.models import AbstractAuthToken

from demandloop.core.phones import validate_department_phone, validate_mobile
from demandloop.org.choices import DepartmentKindChoices, LocalityKindChoices, RoleChoices


class District(models.Model):
    """A district (区): one tenant of the platform, configured by its preset."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    full_name = models.CharField(_("full name"), max_length=128, blank=True)
    mechanism_name = models.CharField(_("mechanism name"), max_length=128, blank=True)
    platform_name = models.CharField(_("online platform name"), max_length=64, blank=True)
    preset_version = models.CharField(_("preset version"), max_length=32, blank=True)
    # Names of the roles in this district's own words, keyed by RoleChoices value (DESIGN.md §1).
    role_labels = models.JSONField(_("role names"), default=dict, blank=True)
    # Deadlines end at 24:00 unless the district sets an office closing time (DESIGN.md §5).
    office_closing_time = models.TimeField(_("office closing time"), null=True, blank=True)
    whistle_report_days = models.PositiveSmallIntegerField(
        _("whistle report-in limit (working days)"), default=1
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def role_label(self, role: str) -> str:
        return str(self.role_labels.get(role) or RoleChoices(role).label)

    def service_office(self) -> Department | None:
        """The district's service office (区政务服务办), which issues its documents: one query."""
        return self.departments.filter(kind=DepartmentKindChoices.SERVICE_HUB).first()


class Locality(models.Model):
    """A town, street, park or business district (乡镇 / 街道 / 园区 / 商圈)."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="localities"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=24, choices=LocalityKindChoices.choices)
    # A park or business district may lie inside a street.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["district", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="locality_district_code_uniq")
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A 片区: the unit of first-tier coverage, inside one locality."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="areas"
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="areas", verbose_name=_("parent")
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    # Words of addresses that place an enterprise in this area (street names, villages, parks).
    address_keywords = models.JSONField(_("address keywords"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="area_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A district department (职能部门), including the two hubs."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="departments"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=24, choices=DepartmentKindChoices.choices, default=DepartmentKindChoices.REGULAR
    )
    # Member of the district's working group / 专业专员 team named by the seed.
    in_working_group = models.BooleanField(_("working-group member"), default=True)
    # What the department handles, in words the router and the clerks both read.
    duties = models.TextField(_("duties"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_department_phone])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["district", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="department_district_code_uniq")
        ]

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    """A field of demands (领域): 经济调节, 市场监管, 社会管理, 公共服务, 生态环境保护 …"""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="domains"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="domain_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Exclusion(models.Model):
    """A kind of matter outside the service's scope (不予受理), with the redirect the enterprise is shown."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="exclusions"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    redirect_text = models.TextField(_("redirect text"))
    # Words and phrases that suggest this exclusion to the screener; the officer decides.
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["district", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="exclusion_district_code_uniq")
        ]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """One rung of a district's four-tier ladder (层级 / 渠道) with its response deadline in working days."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="tiers"
    )
    level = models.PositiveSmallIntegerField(_("tier"))
    name = models.CharField(_("name"), max_length=64)
    short_name = models.CharField(_("short name"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Plan + ETA owed within this many working days of entering the tier; empty: no district deadline
    # (the city tier is tracked until the city answers).
    response_days = models.PositiveSmallIntegerField(
        _("response limit (working days)"), null=True, blank=True
    )
    # Who works at this tier, e.g. ["officer"], ["coordinator"], ["hub"].
    handler_roles = models.JSONField(_("handler roles"), default=list, blank=True)
    # Who decides the lead and co-departments at this tier besides the hub (and a leader who handles it), e.g.
    # 南开 tier 3: ["officer"], the street's 协调会 called by 吹哨报到 (南开 §三(三)).
    decider_roles = models.JSONField(_("also decided by"), default=list, blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["district", "level"]
        constraints = [
            models.UniqueConstraint(fields=["district", "level"], name="tier_district_level_uniq"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="tier_level_1_4"),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class LeaderPost(models.Model):
    """A district leader's post (协调专员, 三级包联) and the areas it is responsible for (many to many)."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="leader_posts"
    )
    code = models.SlugField(_("code"), max_length=32)
    title = models.CharField(pgettext_lazy("position", "title"), max_length=64)
    areas = models.ManyToManyField(
        Area, verbose_name=_("areas covered"), related_name="leader_posts", blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("district leader post")
        verbose_name_plural = _("district leader posts")
        ordering = ["district", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="leaderpost_district_code_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.district.name} {self.title}"


class User(AbstractUser):
    """A person who signs in: staff of a district, an enterprise's contact, or an administrator."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, validators=[validate_mobile])
    is_demo = models.BooleanField(_("demo account"), default=False)
    # When the password was last set (empty: never since the account was made, `date_joined` stands in). The
    # security policy's maximum age counts from here.
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # Set by the security administrator (or when someone else sets the password): the next page is the
    # change-password page, whatever the user asks for.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False
        # Remembered when the user is saved (a new user has no key yet): the policy forbids reusing it.
        self._password_to_remember = self.password

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        remembered = self.__dict__.pop("_password_to_remember", None)
        if remembered:
            PasswordHistory.remember(self, remembered)

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class PasswordHistory(models.Model):
    """The hashes of a user's passwords, newest first: the security policy forbids reusing the last few."""

    # More than the policy may ask for is never kept.
    KEPT = 24

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="passwordhistory_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def remember(cls, user: User, password_hash: str) -> None:
        cls.objects.create(user=user, password=password_hash)
        kept = cls.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True)
        cls.objects.filter(pk__in=list(kept[cls.KEPT :])).delete()


class Membership(models.Model):
    """One role a user holds, with what it covers: areas, a department, a leader post, an enterprise.

    The scoping code (`demandloop.org.scope`) reads only these rows, so every role of DESIGN.md §1 is data.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=RoleChoices.choices)
    # Empty only for deployment-wide administrators.
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    areas = models.ManyToManyField(Area, verbose_name=_("areas"), blank=True, related_name="memberships")
    # The park or business district of a 双重服务员.
    locality = models.ForeignKey(
        Locality, verbose_name=_("park or business district"), on_delete=models.PROTECT, null=True, blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    leader_post = models.ForeignKey(
        LeaderPost,
        verbose_name=_("leader post"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    title = models.CharField(pgettext_lazy("position", "title"), max_length=64, blank=True)
    # A department's liaison (联络人, 静海 §四(一)).
    is_liaison = models.BooleanField(_("liaison"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        indexes = [models.Index(fields=["role", "district"], name="membership_role_district_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.role_label}"

    @property
    def role_label(self) -> str:
        """The role's name in the district's own words (助企服务员 in 南开, 为企服务人员 in 静海)."""
        return self.district.role_label(self.role) if self.district_id else str(self.get_role_display())

    @property
    def serving_label(self) -> str:
        """How the role introduces itself to an enterprise: an industry officer with its department
        (行业主管部门助企服务员（区商务局）), every other role by its name."""
        if self.role == RoleChoices.INDUSTRY_OFFICER and self.department_id:
            return _("%(role)s (%(department)s)") % {
                "role": self.role_label,
                "department": self.department.name,
            }
        return self.role_label


def _bounded(low: int, high: int) -> list[Any]:
    return [MinValueValidator(low), MaxValueValidator(high)]


class SecurityPolicy(models.Model):
    """The deployment's security policy (三权分立: the security administrator's, nobody else's).

    One row (pk 1); without it the defaults below apply. Read by the password validator, the sign-in lockout
    (django-axes, `demandloop.org.security`) and the session middleware; every change raises `version` and is
    audited with the values before and after.
    """

    SINGLETON = 1

    min_length = models.PositiveSmallIntegerField(
        _("minimum password length"), default=10, validators=_bounded(8, 64)
    )
    char_classes = models.PositiveSmallIntegerField(
        _("character classes required"),
        default=3,
        validators=_bounded(1, 4),
        help_text=_("Of upper-case letters, lower-case letters, digits and symbols."),
    )
    max_age_days = models.PositiveSmallIntegerField(
        _("password valid for (days)"),
        default=90,
        validators=_bounded(0, 365),
        help_text=_("0: passwords do not expire."),
    )
    failure_limit = models.PositiveSmallIntegerField(
        _("failed sign-ins before lockout"), default=5, validators=_bounded(3, 20)
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        _("lockout (minutes)"),
        default=30,
        validators=_bounded(0, 1440),
        help_text=_("0: locked until the security administrator unlocks the account."),
    )
    idle_minutes = models.PositiveSmallIntegerField(
        _("sign out after idle (minutes)"), default=30, validators=_bounded(5, 480)
    )
    history_count = models.PositiveSmallIntegerField(
        _("earlier passwords not to reuse"),
        default=5,
        validators=_bounded(0, 24),
        help_text=_("0: any earlier password may be chosen again."),
    )
    max_sessions = models.PositiveSmallIntegerField(
        _("sessions per account"),
        default=0,
        validators=_bounded(0, 10),
        help_text=_("0: no limit. Past it, signing in signs the account's least recently used sessions out."),
    )
    two_factor = models.PositiveSmallIntegerField(
        _("two-factor sign-in required of"),
        default=0,
        choices=[
            (0, _("nobody")),
            (1, _("the administrators' accounts (system, security, audit)")),
            (2, _("every staff account (all but enterprises')")),
        ],
        validators=_bounded(0, 2),
        help_text=_(
            "Whoever has set up an authenticator app uses it at every sign-in, whatever is chosen here."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The fields a security administrator sets (the rest is bookkeeping).
    SETTINGS = (
        "min_length",
        "char_classes",
        "max_age_days",
        "history_count",
        "failure_limit",
        "lockout_minutes",
        "idle_minutes",
        "max_sessions",
        "two_factor",
    )

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policy")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="security_policy_singleton")]

    def __str__(self) -> str:
        return str(_("Security policy"))

    @classmethod
    def bounds(cls, name: str) -> tuple[int, int]:
        """The lowest and highest value the policy allows for the setting `name`."""
        validators = cls._meta.get_field(name).validators
        low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
        high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
        return int(low), int(high)

    @classmethod
    def current(cls) -> SecurityPolicy:
        """The saved policy, or an unsaved one holding the defaults."""
        return cls.objects.filter(pk=cls.SINGLETON).first() or cls(pk=cls.SINGLETON)


class SignedInSession(AbstractBaseSession):
    """A session of the platform (Django's database session with its account beside the data).

    The session engine `demandloop.org.sessions` writes the account on every save, so the security
    administrator's list of who is signed in asks for the sessions of its own accounts instead of decoding every
    session of the deployment.
    """

    # No database constraint: a request of an account deleted meanwhile may still save its session.
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the index below starts with it
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "expire_date"], name="org_session_user_expire")]

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from demandloop.org.sessions import SessionStore

        return SessionStore


class ApiToken(AbstractAuthToken):
    """An API token of an integration account (django-rest-knox's token with what the people who keep them need).

    Only the token's SHA-512 digest and its first characters (to tell tokens apart) are stored: the token itself
    is shown once, when it is issued (`demandloop.org.tokens.do_issue_token`). Revoking deletes the row; the
    audit trail keeps who issued and who revoked it.
    """

    # knox's fields, with the names the pages show.
    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="auth_token_set"
    )
    token_key = models.CharField(_("first characters"), max_length=25, db_index=True)
    created = models.DateTimeField(pgettext_lazy("api token", "issued at"), auto_now_add=True)
    expiry = models.DateTimeField(_("valid until"), null=True, blank=True)
    name = models.CharField(_("purpose"), max_length=100)
    issued_by = models.ForeignKey(
        User,
        verbose_name=pgettext_lazy("api token", "issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_from = models.CharField(_("last used from"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name}（{self.token_key}…）"

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()

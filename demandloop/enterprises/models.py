"""The enterprise ledger (企业基础台账): every 经营主体 of a district, keyed by its 统一社会信用代码."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from demandloop.core.phones import validate_phone
from demandloop.enterprises.choices import EnterpriseKindChoices, EnterpriseStatusChoices
from demandloop.enterprises.validators import validate_uscc
from demandloop.lib.uscc import normalize_uscc


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def for_user(self, user: object) -> EnterpriseQuerySet:
        from demandloop.enterprises.queries import scope_enterprises

        return scope_enterprises(self, user)


class Enterprise(models.Model):
    """A business entity (企业 / 个体工商户 / 农民专业合作社) of the ledger; its history is kept."""

    district = models.ForeignKey(
        "org.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="enterprises"
    )
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=EnterpriseKindChoices.choices, default=EnterpriseKindChoices.COMPANY
    )
    legal_representative = models.CharField(_("legal representative / operator"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    locality = models.ForeignKey(
        "org.Locality",
        verbose_name=_("town or street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
    )
    area = models.ForeignKey(
        "org.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
    )
    # The park or business district it sits in, served by 双重服务员 (南开).
    park = models.ForeignKey(
        "org.Locality",
        verbose_name=_("park or business district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="park_enterprises",
    )
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    is_key = models.BooleanField(_("key enterprise"), default=False)
    key_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department in charge of the key enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_enterprises",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EnterpriseStatusChoices.choices,
        default=EnterpriseStatusChoices.ACTIVE,
    )
    registered_on = models.DateField(_("date of establishment"), null=True, blank=True)
    deregistered_on = models.DateField(_("date of deregistration"), null=True, blank=True)
    # Registered by a contact through the portal or an officer and not yet confirmed against the ledger:
    # the hub reviews these (DESIGN.md §6, intake).
    needs_review = models.BooleanField(_("awaiting review by the hub"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("enterprise history"), excluded_fields=["updated_at"])
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprise ledger")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["district", "area"], name="enterprise_district_area_idx"),
            models.Index(fields=["district", "status"], name="enterprise_district_status_idx"),
            models.Index(fields=["name"], name="enterprise_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="deregistered") | models.Q(deregistered_on__isnull=False),
                name="enterprise_deregistered_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(is_key=True) | models.Q(key_department__isnull=True),
                name="enterprise_key_department_only_if_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # The code may be typed with spaces between its groups; it is stored compact (lib/uscc.py).
        if self.uscc:
            self.uscc = normalize_uscc(self.uscc)
        super().clean_fields(exclude=exclude)


class EnterpriseContact(models.Model):
    """A contact person of an enterprise; name and phone are personal data, masked for most roles."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("contact name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    position = models.CharField(_("position"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # Who registered it: a 双重服务员 sees only the contacts it registered itself (DESIGN.md §1).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(verbose_name=_("contact history"))

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        ordering = ["-is_primary", "pk"]
        constraints = [
            # do_add_contact / do_update_contact demote the previous primary contact in the same transaction.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(is_primary=True),
                name="enterprisecontact_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return self.name

"""The enterprise ledger (企业基础台账): every 经营主体 of a district, keyed by its 统一社会信用代码."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from demandloop.enterprises.choices import EnterpriseKindChoices, EnterpriseStatusChoices
from demandloop.lib.uscc import validate_uscc_field


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def for_user(self, user: object) -> EnterpriseQuerySet:
        from demandloop.enterprises.queries import scope_enterprises

        return scope_enterprises(self, user)


class Enterprise(models.Model):
    """A business entity (企业 / 个体工商户 / 农民专业合作社) of the ledger; its history is kept."""

    district = models.ForeignKey("org.District", verbose_name=_("区"), on_delete=models.PROTECT,
                                 related_name="enterprises")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc_field])
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=EnterpriseKindChoices.choices,
                            default=EnterpriseKindChoices.COMPANY)
    legal_representative = models.CharField(_("法定代表人 / 经营者"), max_length=64, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    locality = models.ForeignKey("org.Locality", verbose_name=_("乡镇街道"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="enterprises")
    area = models.ForeignKey("org.Area", verbose_name=_("片区"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="enterprises")
    # The park or business district it sits in, served by 双重服务员 (南开).
    park = models.ForeignKey("org.Locality", verbose_name=_("园区商圈"), on_delete=models.PROTECT, null=True,
                             blank=True, related_name="park_enterprises")
    industry = models.CharField(_("行业"), max_length=64, blank=True)
    is_key = models.BooleanField(_("重点企业"), default=False)
    key_department = models.ForeignKey("org.Department", verbose_name=_("重点企业责任部门"),
                                       on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="key_enterprises")
    status = models.CharField(_("状态"), max_length=16, choices=EnterpriseStatusChoices.choices,
                              default=EnterpriseStatusChoices.ACTIVE)
    registered_on = models.DateField(_("成立日期"), null=True, blank=True)
    deregistered_on = models.DateField(_("注销日期"), null=True, blank=True)
    # Registered by a contact through the portal or an officer and not yet confirmed against the ledger:
    # the hub reviews these (DESIGN.md §6, intake).
    needs_review = models.BooleanField(_("待中枢核实"), default=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("企业变更记录"), excluded_fields=["updated_at"])
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业台账")
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


class EnterpriseContact(models.Model):
    """A contact person of an enterprise; name and phone are personal data, masked for most roles."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=20)
    position = models.CharField(_("职务"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    # Who registered it: a 双重服务员 sees only the contacts it registered itself (DESIGN.md §1).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    history = HistoricalRecords(verbose_name=_("联系人变更记录"))

    class Meta:
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return self.name

"""The organisation of a district: places, departments, the ladder, and the people with their roles.

Everything here except people is loaded from a district preset (`demandloop/org/presets/*.yaml`), so a district's
whole mechanism is data (DESIGN.md §3). Natural keys (district code + entity code) make loading idempotent.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from demandloop.org.choices import DepartmentKindChoices, LocalityKindChoices, RoleChoices


class District(models.Model):
    """A district (区): one tenant of the platform, configured by its preset."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    full_name = models.CharField(_("全称"), max_length=128, blank=True)
    mechanism_name = models.CharField(_("机制名称"), max_length=128, blank=True)
    platform_name = models.CharField(_("线上平台名称"), max_length=64, blank=True)
    preset_version = models.CharField(_("预置版本"), max_length=32, blank=True)
    # Names of the roles in this district's own words, keyed by RoleChoices value (DESIGN.md §1).
    role_labels = models.JSONField(_("角色名称"), default=dict, blank=True)
    # Deadlines end at 24:00 unless the district sets an office closing time (DESIGN.md §5).
    office_closing_time = models.TimeField(_("下班时间"), null=True, blank=True)
    whistle_report_days = models.PositiveSmallIntegerField(_("吹哨报到时限（工作日）"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def role_label(self, role: str) -> str:
        return str(self.role_labels.get(role) or RoleChoices(role).label)


class Locality(models.Model):
    """A town, street, park or business district (乡镇 / 街道 / 园区 / 商圈)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="localities")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=24, choices=LocalityKindChoices.choices)
    # A park or business district may lie inside a street.
    parent = models.ForeignKey(
        "self", verbose_name=_("所属"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("乡镇街道园区")
        verbose_name_plural = _("乡镇街道园区")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="locality_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A 片区: the unit of first-tier coverage, inside one locality."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="areas")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="areas", verbose_name=_("所属"))
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    # Words of addresses that place an enterprise in this area (street names, villages, parks).
    address_keywords = models.JSONField(_("地址关键词"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("片区")
        verbose_name_plural = _("片区")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="area_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A district department (职能部门), including the two hubs."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(
        _("类型"), max_length=24, choices=DepartmentKindChoices.choices, default=DepartmentKindChoices.REGULAR
    )
    # Member of the district's working group / 专业专员 team named by the seed.
    in_working_group = models.BooleanField(_("工作组成员单位"), default=True)
    # What the department handles, in words the router and the clerks both read.
    duties = models.TextField(_("职责范围"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="department_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    """A field of demands (领域): 经济调节, 市场监管, 社会管理, 公共服务, 生态环境保护 …"""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="domains")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("领域")
        verbose_name_plural = _("领域")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="domain_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Exclusion(models.Model):
    """A kind of matter outside the service's scope (不予受理), with the redirect the enterprise is shown."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="exclusions")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    redirect_text = models.TextField(_("引导说明"))
    # Words and phrases that suggest this exclusion to the screener; the officer decides.
    keywords = models.JSONField(_("提示词"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("不予受理事项")
        verbose_name_plural = _("不予受理事项")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="exclusion_district_code_uniq")]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """One rung of a district's four-tier ladder (层级 / 渠道) with its response deadline in working days."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="tiers")
    level = models.PositiveSmallIntegerField(_("层级"))
    name = models.CharField(_("名称"), max_length=64)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    description = models.TextField(_("说明"), blank=True)
    # Plan + ETA owed within this many working days of entering the tier; empty: no district deadline
    # (the city tier is tracked until the city answers).
    response_days = models.PositiveSmallIntegerField(_("响应时限（工作日）"), null=True, blank=True)
    # Who works at this tier, e.g. ["officer"], ["coordinator"], ["hub"].
    handler_roles = models.JSONField(_("办理角色"), default=list, blank=True)

    class Meta:
        verbose_name = _("层级")
        verbose_name_plural = _("层级")
        ordering = ["district", "level"]
        constraints = [
            models.UniqueConstraint(fields=["district", "level"], name="tier_district_level_uniq"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="tier_level_1_4"),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class LeaderPost(models.Model):
    """A district leader's post (协调专员, 三级包联) and the areas it is responsible for (many to many)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="leader_posts")
    code = models.SlugField(_("代码"), max_length=32)
    title = models.CharField(_("职务"), max_length=64)
    areas = models.ManyToManyField(Area, verbose_name=_("包联片区"), related_name="leader_posts", blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区级领导包联岗位")
        verbose_name_plural = _("区级领导包联岗位")
        ordering = ["district", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="leaderpost_district_code_uniq")]

    def __str__(self) -> str:
        return f"{self.district.name} {self.title}"


class User(AbstractUser):
    """A person who signs in: staff of a district, an enterprise's contact, or an administrator."""

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    is_demo = models.BooleanField(_("演示账号"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class Membership(models.Model):
    """One role a user holds, with what it covers: areas, a department, a leader post, an enterprise.

    The scoping code (`demandloop.org.scope`) reads only these rows, so every role of DESIGN.md §1 is data.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=24, choices=RoleChoices.choices)
    # Empty only for deployment-wide administrators.
    district = models.ForeignKey(
        District, verbose_name=_("区"), on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    areas = models.ManyToManyField(Area, verbose_name=_("负责片区"), blank=True, related_name="memberships")
    # The park or business district of a 双重服务员.
    locality = models.ForeignKey(
        Locality, verbose_name=_("园区商圈"), on_delete=models.PROTECT, null=True, blank=True
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="memberships",
    )
    leader_post = models.ForeignKey(
        LeaderPost, verbose_name=_("包联岗位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="memberships",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="memberships",
    )
    title = models.CharField(_("职务"), max_length=64, blank=True)
    # A department's liaison (联络人, 静海 §四(一)).
    is_liaison = models.BooleanField(_("工作联络人"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        ordering = ["user", "role"]
        indexes = [models.Index(fields=["role", "district"], name="membership_role_district_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.role_label}"

    @property
    def role_label(self) -> str:
        """The role's name in the district's own words (助企服务员 in 南开, 为企服务人员 in 静海)."""
        return self.district.role_label(self.role) if self.district_id else str(self.get_role_display())

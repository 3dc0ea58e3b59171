"""Choices of the organisation: roles (DESIGN.md §1) and kinds of places and departments."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleChoices(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    OFFICER = "officer", _("为企服务人员")
    SOCIAL_OFFICER = "social_officer", _("双重服务员")
    INDUSTRY_OFFICER = "industry_officer", _("行业主管部门助企服务员")
    COORDINATOR = "coordinator", _("需求协调员")
    DEPT_LEAD = "dept_lead", _("部门分管领导")
    LEADER = "leader", _("区级领导")
    HUB = "hub", _("区政务服务办")
    DISPATCHER = "dispatcher", _("区网格中心（12345）")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")


# Roles whose scope is the areas they are assigned to (first-tier coverage).
AREA_ROLES = frozenset({RoleChoices.OFFICER, RoleChoices.SOCIAL_OFFICER})
# Roles whose scope is a department.
DEPARTMENT_ROLES = frozenset({RoleChoices.COORDINATOR, RoleChoices.DEPT_LEAD, RoleChoices.INDUSTRY_OFFICER})
# Roles that see a whole district.
DISTRICT_ROLES = frozenset({RoleChoices.HUB, RoleChoices.DISPATCHER})
# Separated administration (三权分立): configuration, security policy, read-only audit trail.
ADMIN_ROLES = frozenset({RoleChoices.SYSADMIN, RoleChoices.SECADMIN, RoleChoices.AUDITOR})
# Roles allowed to read contacts' personal data unmasked (within their scope).
PERSONAL_DATA_ROLES = frozenset(
    {RoleChoices.OFFICER, RoleChoices.INDUSTRY_OFFICER, RoleChoices.HUB, RoleChoices.DISPATCHER}
)


class LocalityKindChoices(models.TextChoices):
    TOWN = "town", _("乡镇")
    STREET = "street", _("街道")
    PARK = "park", _("园区")
    BUSINESS_DISTRICT = "business_district", _("商圈")


class DepartmentKindChoices(models.TextChoices):
    REGULAR = "regular", _("职能部门")
    SERVICE_HUB = "service_hub", _("推动中枢（区政务服务办）")
    DISPATCH_HUB = "dispatch_hub", _("运行中枢（区网格中心）")

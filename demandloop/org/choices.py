"""Choices of the organisation: roles (DESIGN.md §1) and kinds of places and departments."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleChoices(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    OFFICER = "officer", _("Service officer")
    SOCIAL_OFFICER = "social_officer", _("Dual-role service officer")
    INDUSTRY_OFFICER = "industry_officer", _("Industry department service officer")
    COORDINATOR = "coordinator", _("Demand coordinator")
    DEPT_LEAD = "dept_lead", _("Department lead")
    LEADER = "leader", _("District leader")
    HUB = "hub", _("Government service office")
    DISPATCHER = "dispatcher", _("Grid centre (12345)")
    # The city tier inside a city-wide deployment (市政务服务办, 津产发, 12345 企业服务专席): the districts' tier-4
    # transfers arrive here instead of going out through an integration (DESIGN.md §1).
    CITY = "city", _("City service desk")
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")
    AUDITOR = "auditor", _("Security auditor")


# Roles whose scope is the areas they are assigned to (first-tier coverage).
AREA_ROLES = frozenset({RoleChoices.OFFICER, RoleChoices.SOCIAL_OFFICER})
# The first line: officers of every kind (intake, screening, handling at the first tiers).
FIRST_LINE = frozenset({RoleChoices.OFFICER, RoleChoices.SOCIAL_OFFICER, RoleChoices.INDUSTRY_OFFICER})
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
    TOWN = "town", _("Town")
    STREET = "street", _("Street")
    PARK = "park", _("Park")
    BUSINESS_DISTRICT = "business_district", _("Business district")


class DepartmentKindChoices(models.TextChoices):
    REGULAR = "regular", _("Functional department")
    SERVICE_HUB = "service_hub", _("Service hub (government service office)")
    DISPATCH_HUB = "dispatch_hub", _("Dispatch hub (grid centre)")

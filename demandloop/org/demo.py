"""Demo people and enterprises for a loaded district — created only when `demandloop init --demo N` asks.

Every demo user has `is_demo=True` and every demo enterprise `is_demo=True`, so they are clearly marked and can be
removed. All demo accounts share one password (hashed once: argon2 is deliberately slow).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history
from stdnum.cn import uscc as stdnum_uscc

from demandloop.enterprises.choices import EnterpriseKindChoices
from demandloop.enterprises.models import Enterprise, EnterpriseContact
from demandloop.org.choices import DepartmentKindChoices, LocalityKindChoices, RoleChoices
from demandloop.org.models import Area, Department, District, LeaderPost, Locality, Membership, User
from demandloop.sla.services import get_calendar

DEMO_PASSWORD = "demo-2026-demandloop"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红娥建国志红海燕晓东立新文博宇航思远雨欣子涵浩然俊杰一鸣嘉怡梓萱"
NAME_STEMS = [
    "华泰",
    "金辰",
    "鑫源",
    "恒达",
    "博远",
    "瑞丰",
    "宏图",
    "新锐",
    "联创",
    "众诚",
    "海川",
    "德润",
    "信达",
    "荣盛",
    "天成",
    "永兴",
    "汇通",
    "中科",
    "智联",
    "安捷",
    "嘉禾",
    "亿能",
    "东方",
    "润泽",
    "康美",
    "盛世",
    "启明",
    "晟昊",
]
TRADES = [
    ("科技", "软件和信息技术服务业"),
    ("机械制造", "通用设备制造业"),
    ("钢管", "金属制品业"),
    ("新材料", "化学原料和化学制品制造业"),
    ("物流", "道路货物运输"),
    ("食品", "食品制造业"),
    ("商贸", "批发业"),
    ("餐饮管理", "餐饮业"),
    ("医疗器械", "专用设备制造业"),
    ("健康管理", "卫生"),
    ("建筑工程", "房屋建筑业"),
    ("电子", "计算机、通信和其他电子设备制造业"),
    ("文化传媒", "文化艺术业"),
]
INDIVIDUAL_TRADES = [
    ("小吃店", "餐饮业"),
    ("便利店", "零售业"),
    ("五金店", "零售业"),
    ("理发店", "居民服务业"),
    ("汽修部", "机动车维修"),
]
COOP_TRADES = [("蔬菜种植专业合作社", "农业"), ("农机服务专业合作社", "农业"), ("葡萄种植专业合作社", "农业")]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "187", "135", "177"]) + f"{rng.randrange(10**8):08d}"


def make_uscc(rng: random.Random, district: District, kind: str) -> str:
    """A code with a valid GB 32100-2015 check character, in Tianjin's administrative division range."""
    division = "120223" if district.code == "jinghai" else "120104" if district.code == "nankai" else "120100"
    category = {"company": "91", "individual": "92", "cooperative": "93"}[kind]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = category + division + "".join(rng.choice(alphabet) for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


class _People:
    def __init__(self, district: District, password_hash: str) -> None:
        self.district = district
        self.password_hash = password_hash
        self.users: list[User] = []
        self.memberships: list[tuple[Membership, list[Area]]] = []

    def add(
        self,
        username: str,
        full_name: str,
        phone: str,
        role: str,
        *,
        areas: list[Area] | None = None,
        is_staff: bool = False,
        **membership: object,
    ) -> None:
        if User.objects.filter(username=username).exists():
            return
        user = User(
            username=username,
            full_name=full_name,
            phone=phone,
            password=self.password_hash,
            is_demo=True,
            is_staff=is_staff,
        )
        self.users.append(user)
        self.memberships.append(
            (Membership(user=user, role=role, district=self.district, **membership), areas or [])
        )

    def save(self) -> None:
        User.objects.bulk_create(self.users)
        for m, _areas in self.memberships:
            m.user_id = m.user.pk
        Membership.objects.bulk_create([m for m, _ in self.memberships])
        through = Membership.areas.through
        through.objects.bulk_create(
            [through(membership_id=m.pk, area_id=a.pk) for m, areas in self.memberships for a in areas]
        )


@transaction.atomic
def create_demo_people(district: District, *, seed: int = 2026) -> None:
    """Officers for every area, a coordinator and a lead for every department, the leaders, the hubs."""
    rng = random.Random(f"{seed}-{district.code}")
    password_hash = make_password(DEMO_PASSWORD)
    people = _People(district, password_hash)
    d = district.code
    areas = list(Area.objects.filter(district=district).order_by("order"))
    departments = list(Department.objects.filter(district=district).order_by("order"))
    hub_dept = next(dep for dep in departments if dep.kind == DepartmentKindChoices.SERVICE_HUB)
    grid_dept = next(dep for dep in departments if dep.kind == DepartmentKindChoices.DISPATCH_HUB)

    people.add(
        f"{d}-hub",
        person_name(rng),
        mobile(rng),
        RoleChoices.HUB,
        department=hub_dept,
        is_staff=True,
        title="科员",
    )
    people.add(
        f"{d}-dispatcher",
        person_name(rng),
        mobile(rng),
        RoleChoices.DISPATCHER,
        department=grid_dept,
        title="派单员",
    )
    for area in areas:
        people.add(
            f"{d}-officer-{area.code}",
            person_name(rng),
            mobile(rng),
            RoleChoices.OFFICER,
            areas=[area],
            title="经济发展办" if d == "jinghai" else "助企服务员",
        )
    for dep in departments:
        if dep.kind == DepartmentKindChoices.DISPATCH_HUB:
            continue
        people.add(
            f"{d}-coord-{dep.code}",
            person_name(rng),
            mobile(rng),
            RoleChoices.COORDINATOR,
            department=dep,
            title="科长",
        )
        people.add(
            f"{d}-lead-{dep.code}",
            person_name(rng),
            mobile(rng),
            RoleChoices.DEPT_LEAD,
            department=dep,
            title="副局长",
            is_liaison=False,
        )
    posts = list(LeaderPost.objects.filter(district=district).order_by("order"))
    for post in posts:
        people.add(
            f"{d}-leader-{post.code}",
            person_name(rng),
            mobile(rng),
            RoleChoices.LEADER,
            leader_post=post,
            title=post.title,
        )
    parks = list(
        Locality.objects.filter(
            district=district,
            kind__in=[LocalityKindChoices.PARK, LocalityKindChoices.BUSINESS_DISTRICT],
            parent__isnull=False,
        ).order_by("order")
    )
    if "social_officer" in district.role_labels:
        for park in parks:
            people.add(
                f"{d}-social-{park.code}",
                person_name(rng),
                mobile(rng),
                RoleChoices.SOCIAL_OFFICER,
                locality=park,
                title="商圈服务站",
            )
    if "industry_officer" in district.role_labels:
        for dep in departments[:4]:
            if dep.kind == DepartmentKindChoices.REGULAR:
                people.add(
                    f"{d}-industry-{dep.code}",
                    person_name(rng),
                    mobile(rng),
                    RoleChoices.INDUSTRY_OFFICER,
                    department=dep,
                    title="产业服务专员",
                )
    people.save()


@transaction.atomic
def create_demo_enterprises(district: District, count: int, *, seed: int = 2026) -> list[Enterprise]:
    """`count` enterprises spread over the district's areas, with contacts; a few key ones; one account each
    for the first three."""
    rng = random.Random(f"{seed}-{district.code}-enterprises")
    areas = list(Area.objects.filter(district=district).select_related("locality").order_by("order"))
    parks = {loc.parent_id: loc for loc in Locality.objects.filter(district=district, parent__isnull=False)}
    regular = list(Department.objects.filter(district=district, kind=DepartmentKindChoices.REGULAR))
    existing = set(Enterprise.objects.values_list("uscc", flat=True))
    place = district.full_name or district.name
    rows: list[Enterprise] = []
    keyed_areas: set[int] = set()
    for i in range(count):
        roll = rng.random()
        kind = (
            EnterpriseKindChoices.COMPANY
            if roll < 0.7
            else EnterpriseKindChoices.INDIVIDUAL
            if roll < 0.93
            else EnterpriseKindChoices.COOPERATIVE
        )
        area = areas[i % len(areas)]
        stem = rng.choice(NAME_STEMS)
        if kind == EnterpriseKindChoices.COMPANY:
            trade, industry = rng.choice(TRADES)
            name = f"天津{stem}{trade}有限公司"
        elif kind == EnterpriseKindChoices.INDIVIDUAL:
            trade, industry = rng.choice(INDIVIDUAL_TRADES)
            name = f"{district.name}{area.locality.name}{stem}{trade}"
        else:
            trade, industry = rng.choice(COOP_TRADES)
            name = f"{district.name}{area.locality.name}{stem}{trade}"
        name = f"{name}（演示{i + 1:04d}）"
        code = make_uscc(rng, district, kind)
        while code in existing:
            code = make_uscc(rng, district, kind)
        existing.add(code)
        keyword = area.address_keywords[0] if area.address_keywords else area.locality.name
        # About one company in eight is a key enterprise, and every area has one where it has a company: a
        # leader's "key enterprises" and an industry officer's list are never empty in the demo.
        is_key = (
            kind == EnterpriseKindChoices.COMPANY
            and (rng.random() < 0.12 or area.pk not in keyed_areas)
            and bool(regular)
        )
        if is_key:
            keyed_areas.add(area.pk)
        park = parks.get(area.locality_id) if rng.random() < 0.3 else None
        rows.append(
            Enterprise(
                district=district,
                uscc=code,
                name=name,
                kind=kind,
                legal_representative=person_name(rng),
                address=f"{place}{area.locality.name}{keyword}{rng.randint(1, 300)}号",
                locality=area.locality,
                area=area,
                park=park,
                industry=industry,
                is_key=is_key,
                key_department=rng.choice(regular) if is_key else None,
                registered_on=None,
                is_demo=True,
            )
        )
    created = bulk_create_with_history(rows, Enterprise, batch_size=500)
    contacts = [
        EnterpriseContact(
            enterprise=e, name=person_name(rng), phone=mobile(rng), position="负责人", is_primary=True
        )
        for e in created
    ]
    EnterpriseContact.objects.bulk_create(contacts, batch_size=1000)
    password_hash = make_password(DEMO_PASSWORD)
    for n, ent in enumerate(created[:3], start=1):
        username = f"{district.code}-ent-{n}"
        if User.objects.filter(username=username).exists():
            continue
        user = User.objects.create(
            username=username,
            full_name=contacts[n - 1].name,
            phone=contacts[n - 1].phone,
            password=password_hash,
            is_demo=True,
        )
        Membership.objects.create(
            user=user, role=RoleChoices.ENTERPRISE, district=district, enterprise=ent, title="企业联系人"
        )
    return created


@transaction.atomic
def create_demo_administrators() -> dict[str, str]:
    """The deployment-wide separated administrators (三权分立): system, security, audit."""
    password_hash = make_password(DEMO_PASSWORD)
    logins = {}
    for role, username, full_name, staff, superuser in (
        (RoleChoices.SYSADMIN, "sysadmin", "系统管理员（演示）", True, True),
        (RoleChoices.SECADMIN, "secadmin", "安全管理员（演示）", True, False),
        (RoleChoices.AUDITOR, "auditor", "安全审计员（演示）", True, False),
    ):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "password": password_hash,
                "is_demo": True,
                "is_staff": staff,
                "is_superuser": superuser,
            },
        )
        if created:
            Membership.objects.create(user=user, role=role, district=None, title=full_name)
        logins[role] = username
    return logins


@transaction.atomic
def create_demo_city_desk() -> str:
    """The city desk of a city-wide demo (every district of the deployment): it takes the districts' transfers
    to the city (市政务服务办 / 12345 企业服务专席 / 津产发, DESIGN.md §1)."""
    user, created = User.objects.get_or_create(
        username="city-desk",
        defaults={
            "full_name": "刘洋",
            "password": make_password(DEMO_PASSWORD),
            "is_demo": True,
        },
    )
    if created:
        Membership.objects.create(user=user, role=RoleChoices.CITY, district=None, title="市政务服务办")
    return user.username


# When the offices are open: every step of the district's people in the demo lands in these hours of a working
# day (demands, meetings, campaigns and cases alike).
OFFICE_OPENS = time(8, 30)
OFFICE_CLOSES = time(18, 0)


def office_moment(at: datetime, rng: random.Random | None = None) -> datetime:
    """`at` if the offices are open then, else the next opening (with `rng`, a moment of its first two hours):
    officers and departments do not resolve, dispatch or summon at three on a Sunday morning. Without `rng` the
    moments keep their order."""
    local = timezone.localtime(at)
    calendar = get_calendar()
    working = calendar.is_working_day(local.date())
    if working and OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
        return at
    day = local.date() if working and local.time() < OFFICE_OPENS else calendar.next_working_day(local.date())
    opens = datetime.combine(day, OFFICE_OPENS, tzinfo=local.tzinfo)
    return opens + timedelta(minutes=rng.uniform(0, 120)) if rng is not None else opens


def office_until(now: datetime) -> datetime:
    """The last moment of office hours up to `now`: `now` while the offices are open, else a minute before they
    last closed. A demo made on a Sunday night or before the Monday opening ends its stories on Friday evening,
    not at the hour it is made."""
    local = timezone.localtime(now)
    calendar = get_calendar()
    if calendar.is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
        return now
    day = local.date()
    if not (calendar.is_working_day(day) and local.time() >= OFFICE_CLOSES):
        day = calendar.previous_working_day(day)
    return datetime.combine(day, OFFICE_CLOSES, tzinfo=local.tzinfo) - timedelta(minutes=1)

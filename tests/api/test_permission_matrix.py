"""Every API route × every role of two districts (two areas each), plus the administrators and an anonymous
caller: nothing outside a person's scope is shown or changed, and outside the scope is always 404.

The routes come from the URL configuration, so a route added without a rule in `rules.py` fails
`test_it_has_a_rule_for_every_api_route`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from demandloop.demands import actions
from demandloop.demands.tests.world import PEOPLE_ROLES, build_world, receive, triaged, with_departments
from tests.api.rules import RULES, WRITE_RULES, Ctx, issued_reports, typical_cases

MEDIA = tempfile.mkdtemp(prefix="demandloop-matrix-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def api_route_names() -> set[str]:
    """The names of every route under /api/, read from the URL configuration."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str | None]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.name

    names = set()
    for route, name in walk(get_resolver().url_patterns, ""):
        if route.lstrip("^").startswith("api/"):
            assert name, f"an API route without a name cannot have a rule: {route}"
            names.add(name)
    return names


PERSONS = [f"{district}:{who}" for district in ("jinghai", "nankai") for who in PEOPLE_ROLES] + [
    "admin:sysadmin",
    "admin:secadmin",
    "admin:auditor",
    "anonymous",
]


@override_settings(STORAGES=STORAGES)
class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.demands: dict[tuple[str, str], Any] = {}
        cls.attachments: dict[tuple[str, str], Any] = {}
        cls.enterprises: dict[tuple[str, str], Any] = {}
        for code, w in cls.world.d.items():
            cls.demands[(code, "d_a")] = with_departments(w, 2, triaged(w, level=2))
            cls.demands[(code, "d_b")] = receive(w, enterprise=w.ent_b, by=w.officer_b)
            cls.demands[(code, "d_key")] = triaged(w, level=1, complexity="simple", enterprise=w.ent_key)
            cls.demands[(code, "d_park")] = receive(w, enterprise=w.ent_park, by=w.social)
            for key in ("d_a", "d_b"):
                upload = SimpleUploadedFile("说明.pdf", b"%PDF-1.4 matrix", content_type="application/pdf")
                actions.do_attach(cls.demands[(code, key)], w.hub, upload=upload)
                cls.attachments[(code, key)] = cls.demands[(code, key)].attachments.get()
            for key in ("ent_a", "ent_b", "ent_key", "ent_park"):
                cls.enterprises[(code, key)] = getattr(w, key)
        # What the case and report rules read, made once here rather than in each person's test.
        typical_cases(cls.world)
        issued_reports(cls.world)

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def test_it_has_a_rule_for_every_api_route(self) -> None:
        missing = sorted(api_route_names() - set(RULES))
        self.assertEqual(missing, [], "add a rule to tests/api/rules.py for these routes")

    def _client(self, person: str) -> APIClient:
        client = APIClient()
        if person == "anonymous":
            return client
        home, _, who = person.partition(":")
        user = self.world.admins[who] if home == "admin" else self.world.d[home].people[who]
        client.force_authenticate(user)
        return client

    def _walk(self, person: str) -> None:
        ctx = Ctx(
            tc=self,
            client=self._client(person),
            person=person,
            world=self.world,
            demands=self.demands,
            attachments=self.attachments,
            enterprises=self.enterprises,
        )
        names = sorted(api_route_names(), key=lambda name: (name in WRITE_RULES, name))
        for name in names:
            with self.subTest(route=name, person=person):
                RULES[name](ctx, name)
        self.assertGreater(len(ctx.seen), 150)


def _person_test(person: str) -> Callable[[PermissionMatrixTests], None]:
    def test(self: PermissionMatrixTests) -> None:
        self._walk(person)

    return test


for _person in PERSONS:
    _slug = _person.replace(":", "_")
    setattr(
        PermissionMatrixTests, f"test_it_keeps_{_slug}_to_its_scope_on_every_route", _person_test(_person)
    )

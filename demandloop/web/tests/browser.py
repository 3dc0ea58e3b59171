"""Helpers of the browser tests: Debian's Chromium through Playwright, signing in, acting on a demand, screenshots.

Playwright's own browser download cannot work here (no network), so the tests drive `/usr/bin/chromium`; a CJK
font (fonts-wqy-microhei) makes the screenshots readable. The screenshots go to `var/screenshots/`; with
DEMANDLOOP_UPDATE_SCREENSHOTS=1 (`make screenshots`) to `docs/screenshots/`, where the user guide (`docs/guide.md`)
shows them — a test run leaves the repository's files as they were.

The pages run under the platform's Content Security Policy, which refuses evaluating strings as script: wait with
selectors and locators, not `page.wait_for_function` (Playwright compiles its text in the page, and is refused
once it has to poll).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test's thread; the ORM calls of the test itself are still
# synchronous, one at a time, so Django's guard against async contexts does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
GUIDE_SCREENSHOTS = ROOT / "docs" / "screenshots"
SCREENSHOTS = (
    GUIDE_SCREENSHOTS
    if os.environ.get("DEMANDLOOP_UPDATE_SCREENSHOTS") == "1"
    else ROOT / "var" / "screenshots"
)
# axe-core, the accessibility engine (npm devDependency, never served by the platform): injected into a page
# only by the accessibility test, in a window that bypasses the Content Security Policy for that purpose.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 levels A and AA (GB/T 37668-2019, the national standard for web accessibility, follows
# WCAG 2.0 AA).
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# An element of a fragment htmx is still fetching or putting in place.
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# What the browser refused under the platform's Content Security Policy, "page: message", in any Person's
# window; the root conftest fails the test that caused one (a page that needs an inline script or style
# element, or loads something from elsewhere, is a defect).
CSP_VIOLATIONS: list[str] = []

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed")


def launch_chromium(playwright: Any) -> Any:
    # Chromium takes its own language from LANGUAGE (with Debian's chromium-l10n): the browser's own widgets - a
    # date field's 年/月/日, a file field's 选择文件 - then read as a Chinese user's do. LANG stays C.UTF-8: the
    # machine has no zh_CN locale, and without a UTF-8 one Chinese file names are lost on upload and download.
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        env={**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "zh_CN"},
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


class Person:
    """One person at their own browser window, signed in to the live server."""

    def __init__(
        self,
        browser: Any,
        base_url: str,
        username: str | None,
        *,
        phone: bool = False,
        password: str | None = None,
        audit: bool = False,
    ) -> None:
        # `audit`: a window for the accessibility engine, which has to run a script of its own in the pages.
        self.context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            locale="zh-CN",
            device_scale_factor=1,
            is_mobile=phone,
            bypass_csp=audit,
            # Bootstrap's folds, fades and dialogs then change at once (its CSS honours the preference): a click
            # waits for no transition to end before the next step can find its element still.
            reduced_motion="reduce",
        )
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.page.on("console", self._note_csp_violation)
        self.base_url = base_url
        # Without a user name: somebody not signed in (the sign-in page, the error pages).
        if username is not None:
            self.sign_in(username, password or f"pw-{username}")

    def _note_csp_violation(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(f"{self.page.url}: {message.text}")

    def sign_in(self, username: str, password: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        self.submit("main button[type=submit]")

    def go(self, path: str) -> Any:
        return self.page.goto(f"{self.base_url}{path}")

    def follow(self, selector: str, to: str) -> None:
        """Click a link that loads another page and wait until that page, whose address matches the glob `to`,
        has loaded. A click returns once the navigation has started; what does not wait (a locator's count(),
        the page's url) would read the old page or a half-parsed new one."""
        self.page.click(selector)
        self.page.wait_for_url(to)

    def submit(self, selector: str) -> None:
        """Click a button that posts a form and wait until the page the server answers with has loaded (the click
        returns once that page has begun to arrive)."""
        self.page.click(selector)
        self.page.wait_for_load_state()

    def open_demand(self, pk: int) -> None:
        self.go(f"/demands/{pk}/")

    def act(self, action: str, fields: dict[str, Any] | None = None) -> None:
        """Open the action's panel on the demand page, fill its fields and submit it."""
        page = self.page
        panel = page.locator(f"#form-{action}")
        if not panel.is_visible():
            page.click(f"#action-{action} .accordion-button")
            panel.wait_for(state="visible")
        for name, value in (fields or {}).items():
            selector = f"#id_{action}-{name}"
            element = page.locator(selector)
            tag = element.evaluate("el => el.tagName.toLowerCase()")
            if tag == "select":
                element.select_option(value)
            else:
                element.fill(str(value))
        self.submit(f"button[name=submit-{action}]")

    def check(self, selector: str) -> None:
        self.page.check(selector)

    def choose(self, field_id: str, *values: str, by_label: bool = False) -> None:
        """Tick choices in a dropdown of checkboxes (templates/web/_multi_select.html) by value or label: open it,
        check each, close it."""
        page = self.page
        menu = page.locator(f"#{field_id}_menu")
        if not menu.is_visible():
            page.click(f"#{field_id}")
        for value in values:
            box = (
                menu.get_by_label(value, exact=True) if by_label else menu.locator(f"input[value='{value}']")
            )
            box.check()
        page.click(f"#{field_id}")
        menu.wait_for(state="hidden")

    def accessibility_violations(self) -> list[str]:
        """What axe-core finds against WCAG 2.1 A/AA on the page, one line a rule: "rule (impact): where". Every
        folded panel is opened first (a demand's action forms, the accordions): axe skips what is hidden."""
        # The page's own fragments (hx-trigger="load": the unread count, a report's common problems) are asked
        # for as htmx processes the page, before its load event, and mark their element until they have settled.
        # Waiting for them is what waiting for the network to fall quiet for half a second per page did.
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(f"() => !document.querySelector('{HTMX_BUSY}')")
        self.page.evaluate(
            """() => { document.querySelectorAll(".collapse").forEach(e => e.classList.add("show"));
                       document.querySelectorAll("details").forEach(e => { e.open = true; }); }"""
        )
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
                .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; ")}`)""",
            WCAG_AA,
        )
        return list(found)

    def text(self, selector: str = "body") -> str:
        return self.page.inner_text(selector)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Not in the middle of an htmx swap (a guide picture once caught a tab between its old and new content),
        # nor before the page's fonts are in.
        self.page.wait_for_function(
            f"() => !document.querySelector('{HTMX_BUSY}') && document.fonts.status === 'loaded'"
        )
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 0, f"no picture written to {path}"

    def close(self) -> None:
        self.context.close()

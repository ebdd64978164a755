"""Journeys the issue asks for beyond the protocols themselves, in a real browser with axe-core
on every page: signing in, a permission denial, a form done with the keyboard alone, and every
page of the journeys at 320 px wide (WCAG 1.4.10 reflow). Each saves screenshots of its key
pages under test-results/; with UPDATE_README_SCREENSHOTS=1 the home page and weekly list are
also saved to docs/screenshots/ for the README."""

import os
import shutil
from pathlib import Path

import pytest

from cases.tests.factories import CaseFactory
from people.roles import Role
from people.tests.factories import UserFactory
from transfers.models import Transfer, TransferKind, TransferStatus
from transfers.tests.conftest import walk_step_up

from .test_step_up_journey import PASSWORD, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-results")
README_SHOTS = Path("docs/screenshots")


def shot(page, name: str, *, readme: bool = False) -> None:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if readme and os.environ.get("UPDATE_README_SCREENSHOTS"):
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, README_SHOTS / f"{name}.png")


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _focus_is_visible(page) -> bool:
    """GOV.UK's focus state: a yellow outline, or a yellow fill or shadow."""
    style = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineColor, s.boxShadow, s.backgroundColor].join('|') }"""
    )
    return "255, 221, 0" in style or ("none" not in style.split("|")[0] and "0px" not in style)


def test_signing_in_and_out(page, live_server, world):
    journey = Journey(page, live_server.url)
    walk_step_up(world, TransferStatus.AWAITING_EH_DECISION)
    journey.goto("/")
    assert "/accounts/login/" in page.url
    assert page.title().startswith("Sign in")

    # Nothing typed: the error summary takes focus and its links reach the boxes.
    journey.click("Sign in")
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    for link in summary.get_by_role("link").all():
        target = link.get_attribute("href")
        assert page.locator(target).count() == 1, target
    shot(page, "login-errors")

    journey.fill("Username", world.eh_tm.username)
    journey.fill("Password", "not the password")
    journey.click("Sign in")
    assert "Enter a correct username and password" in page.content()

    journey.fill("Username", world.eh_tm.username)
    journey.fill("Password", PASSWORD)
    journey.click("Sign in")
    assert page.url.rstrip("/") == live_server.url
    assert "Transfers waiting for you" in page.content()
    shot(page, "home", readme=True)

    journey.click("Sign out")
    assert "/accounts/login/" in page.url or "Sign in" in page.content()
    assert journey.violations == {}, journey.violations


def test_a_permission_denial_looks_right(page, live_server, world):
    journey = Journey(page, live_server.url)
    transfer = walk_step_up(world, TransferStatus.WITH_DUTY)

    # The FFP sees the request but may not pick it up for duty: 403, said plainly.
    journey.sign_in(world.ffp.username)
    response = page.goto(live_server.url + f"/transfers/{transfer.pk}/pick-up/")
    journey.check()
    assert response.status == 403
    assert page.title().startswith("You cannot do this")
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot do this"
    assert page.get_by_role("link", name="Go to your home page").is_visible()
    assert page.locator("header").is_visible() and page.locator("footer").is_visible()
    shot(page, "permission-denied")

    # Another team's worker: the case is not found, and its existence is not revealed.
    journey.sign_in(world.outsider.username)
    response = page.goto(live_server.url + world.case.get_absolute_url())
    journey.check()
    assert response.status == 404
    assert page.title().startswith("Page not found")
    assert "Lovelace" not in page.content()
    shot(page, "not-found")
    assert journey.violations == {}, journey.violations


def test_a_step_up_started_with_the_keyboard_alone(page, live_server, world):
    journey = Journey(page, live_server.url)
    journey.sign_in(world.ffp.username)
    journey.goto(f"/transfers/step-up/start/{world.case.reference}/")

    def tab_to(element_id: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if _focused(page) == element_id:
                assert _focus_is_visible(page), element_id
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    # Sent empty with the keyboard: the summary is focused and each link moves focus to its field.
    tab_to("id_supervisor")
    page.keyboard.press("Tab")
    submit = page.get_by_role("button", name="Start the escalation discussion")
    submit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    journey.check()
    assert page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null")
    link = page.locator(".govuk-error-summary").get_by_role(
        "link", name="Select how urgent this is"
    )
    link.focus()
    page.keyboard.press("Enter")
    assert _focused(page) == "id_urgency_1"

    # Now filled in with the keyboard alone, from the top of the page.
    page.keyboard.press("Home")
    page.evaluate("document.activeElement.blur()")
    tab_to("id_supervisor")
    page.keyboard.press("ArrowDown")
    for field, text in [
        ("id_concerns", "Bruising reported by school."),
        ("id_work_tried", "Parenting support; TAF."),
        ("id_why_now", "A new injury."),
    ]:
        tab_to(field)
        page.keyboard.type(text)
    tab_to("id_urgency_1")
    page.keyboard.press("Space")  # the first answer: a section 47 enquiry
    page.keyboard.press("ArrowDown")  # radios: an arrow key moves to the next answer and picks it
    assert _focused(page) == "id_urgency_2"
    shot(page, "keyboard-form")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == (
        "Start the escalation discussion"
    )
    assert _focus_is_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    journey.check()
    transfer = Transfer.objects.get(case=world.case)
    assert transfer.urgent and not transfer.section_47
    assert transfer.step_up.supervisor == world.supervisor
    assert journey.violations == {}, journey.violations


def test_every_page_of_the_journeys_fits_320_pixels(browser, live_server, world):
    context = browser.new_context(
        viewport={"width": 320, "height": 720}, locale="en-GB", timezone_id="Europe/London"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    journey = Journey(page, live_server.url)
    step_up = walk_step_up(world, TransferStatus.WITH_DUTY, urgent=True)
    for n in range(12):  # enough rows for the home page's lists to be full and paginated
        CaseFactory(current_team=world.duty, first_name=f"Child{n}", last_name="Longfamilyname")
    admin = UserFactory(username="senioradmin", roles=[Role.SENIOR_ADMINISTRATOR])
    Transfer.objects.create(
        kind=TransferKind.CIN_TO_CIC,
        case=CaseFactory(current_team=world.cin, first_name="Amy", last_name="Ashby"),
        status="proposed",
        stage="requested",
        from_team=world.cin,
        to_team=world.duty,
        requested_by=world.cin_tm,
    )
    too_wide = {}

    def visit(path: str | None = None) -> None:
        if path:
            journey.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[page.url] = width

    pages = {
        world.duty_atm.username: [
            "/",
            "/transfers/duty/",
            step_up.get_absolute_url(),
            f"/transfers/{step_up.pk}/pick-up/",
            "/cases/",
            "/deadlines/",
            step_up.case.get_absolute_url(),
        ],
        world.ffp.username: [
            "/",
            world.case.get_absolute_url(),
            f"/cases/{world.case.reference}/timeline/",
            "/transfers/started/",
            step_up.get_absolute_url(),
        ],
        world.duty_tm.username: ["/", "/transfers/inbox/", "/transfers/waiting/"],
        world.supervisor.username: ["/", f"/transfers/step-up/start/{world.case.reference}/"],
        world.cin_tm.username: ["/", "/transfers/inbox/"],
    }
    journey.goto("/accounts/login/")
    visit()
    for username, paths in pages.items():
        journey.sign_in(username)
        visit()
        for path in paths:
            visit(path)

    # A form at 320 px, sent empty so its error summary shows too.
    other = CaseFactory(current_team=world.eh, first_name="Zed", last_name="Zephaniah-Worthington")
    journey.sign_in(world.ffp.username)
    journey.goto(f"/transfers/step-up/start/{other.reference}/")
    journey.click("Start the escalation discussion")
    visit()
    shot(page, "form-320px")

    journey.sign_in(admin.username)
    journey.goto("/transfers/weekly/")
    visit()
    shot(page, "weekly-list-320px")
    visit("/transfers/historic/")
    for path in ("/transfers/999999/", "/admin/"):
        visit(path)
    context.close()
    assert too_wide == {}, too_wide
    assert journey.violations == {}, journey.violations


def test_the_weekly_list_for_the_readme(page, live_server, world):
    """The senior administrator's weekly list at desktop width, as the README shows it."""
    admin = UserFactory(username="senioradmin", roles=[Role.SENIOR_ADMINISTRATOR])
    walk_step_up(world, TransferStatus.WITH_DUTY, urgent=True)
    for n, (first, last) in enumerate([("Amy", "Ashby"), ("Ben", "Brook"), ("Cara", "Cole")]):
        Transfer.objects.create(
            kind=TransferKind.CIN_TO_CIC,
            case=CaseFactory(current_team=world.cin, first_name=first, last_name=last),
            status="proposed",
            stage="requested",
            from_team=world.cin,
            to_team=world.duty if n % 2 else world.cin,
            requested_by=world.cin_tm,
        )
    journey = Journey(page, live_server.url)
    journey.sign_in(admin.username)
    assert page.url.endswith("/transfers/weekly/")
    assert "Ashby" in page.content()
    shot(page, "weekly-list", readme=True)
    assert journey.violations == {}, journey.violations


def _app_code(user) -> str:
    """The code the authenticator app set up with `user`'s key shows now."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_the_admin_pages_pass_axe(page, live_server, world):
    """The administrators are users too: every change list, and the forms they use most."""
    from django.contrib import admin
    from django.urls import reverse

    sysadmin = UserFactory(username="sysadmin", is_staff=True, is_superuser=True)
    walk_step_up(world, TransferStatus.WITH_DUTY)
    journey = Journey(page, live_server.url)
    journey.sign_in(sysadmin.username)
    # The admin needs two-factor: it sends them to set up an authenticator app (that page is
    # checked too), and the app's first code lets them in.
    journey.goto("/admin/")
    assert "/accounts/two-factor/" in page.url
    journey.fill("Code from your authenticator app", _app_code(sysadmin))
    journey.click("Turn on two-factor")
    assert page.url.endswith("/admin/")
    journey.check()
    visited = 0
    for model in admin.site._registry:
        opts = model._meta
        journey.goto(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        visited += 1
    journey.goto(reverse("admin:people_user_change", args=[world.duty_tm.pk]))
    journey.goto(reverse("admin:people_team_change", args=[world.duty.pk]))
    journey.goto(reverse("admin:people_user_add"))
    shot(page, "admin-user-add")
    assert visited >= 8
    assert journey.violations == {}, journey.violations

"""Issue 13: the pages work under the Content-Security-Policy (no inline script or style): no
violation is reported, and GOV.UK Frontend's JavaScript still runs (conditional reveals, the
service navigation), in the service and in the admin."""

import pytest

from people.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"  # people.tests.factories.UserFactory
# Runs before any page script (through the browser's devtools, so the policy does not apply to
# it): every violation the browser reports is kept for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


class Visit:
    def __init__(self, page, base_url):
        self.page, self.base_url = page, base_url
        self.console: list[str] = []
        self.errors: list[str] = []
        self.violations: dict[str, list[str]] = {}
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: self.console.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        found = self.page.evaluate("window.__cspViolations || []")
        if found:
            self.violations[self.page.url] = found

    def sign_in(self, username: str, path: str = "/accounts/login/", submit="Sign in") -> None:
        self.page.context.clear_cookies()
        self.goto(path)
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name=submit).click()
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def assert_clean(self) -> None:
        policy_messages = [m for m in self.console if "Content Security Policy" in m]
        assert not self.violations, self.violations
        assert not policy_messages, policy_messages
        assert not self.errors, self.errors


def test_service_pages_run_govuk_frontend_under_the_policy(page, live_server, world):
    visit = Visit(page, live_server.url)
    visit.sign_in(world.ffp.username)
    assert "Sign in" not in page.title()
    # GOV.UK Frontend initialised: the body says so, the skip link and header work.
    body_class = page.locator("body").get_attribute("class")
    assert "js-enabled" in body_class and "govuk-frontend-supported" in body_class
    for path in [
        "/",
        "/cases/",
        world.case.get_absolute_url(),
        "/deadlines/",
        "/accounts/password_change/",
    ]:
        visit.goto(path)
    # A conditional reveal: the question under "Yes" opens when it is chosen.
    visit.goto(f"/casework/cases/{world.case.reference}/meetings/new/")
    held_on = page.locator(".govuk-radios__conditional").first
    assert "govuk-radios__conditional--hidden" in held_on.get_attribute("class")
    page.get_by_label("Yes, record it as held").check()
    assert "govuk-radios__conditional--hidden" not in held_on.get_attribute("class")
    assert held_on.is_visible()
    visit.collect()
    visit.assert_clean()
    # The response carried the policy the browser enforced, and it is enforced: an inline
    # handler added now is blocked and reported.
    response = page.goto(live_server.url + "/")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.ran=1\">')"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.ran") is None


def test_the_admin_runs_under_the_policy(page, live_server, world):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    # The admin admits only a session signed in with a two-factor code (issue 13).
    device = TOTPDevice.objects.create(user=root, name="Phone", confirmed=True)
    visit = Visit(page, live_server.url)
    visit.sign_in("root", path="/admin/login/")
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    visit.collect()
    for path in [
        "/admin/",
        "/admin/people/user/",
        f"/admin/people/user/{world.ffp.pk}/change/",
        f"/admin/people/user/{world.ffp.pk}/password/",
        "/admin/audit/auditevent/",
    ]:
        visit.goto(path)
    visit.assert_clean()

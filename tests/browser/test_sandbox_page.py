"""A person tries Seatkeeper in the demo's sandbox page: requests and approvals, a denial with
a reason, idle-seat questions and a reclaim after moving the clock, and the digest."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Screenshots

# The demo organisation's people, by the name the page shows.
REQUESTER, MANAGER, OWNER, ADMIN = "Alice Archer", "Dan Diaz", "Fiona Fox", "Ada Admin"
KEEPER, RELEASER = "Ben Baker", "Chloe Chen"


def be(page: Page, name: str) -> None:
    page.get_by_label("You are").select_option(label=name)
    expect(page.get_by_role("tab", name="Seatkeeper")).to_have_attribute("aria-selected", "true")


def type_command(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def request_app(page: Page, option: str, reason: str) -> Locator:
    type_command(page, "/license")
    form = page.get_by_role("dialog", name="Request software")
    form.get_by_label("App and tier").select_option(label=option)
    form.get_by_label("Why do you need it?").fill(reason)
    form.get_by_role("button", name="Request").click()
    expect(form).to_be_hidden()
    return form


def messages(page: Page) -> Locator:
    return page.get_by_role("tabpanel").get_by_role("article")


def test_a_request_is_approved_and_the_requester_sees_it_in_their_thread(
    page: Page, shot: Screenshots
) -> None:
    be(page, REQUESTER)
    type_command(page, "/license")
    form = page.get_by_role("dialog", name="Request software")
    form.get_by_label("App and tier").select_option(label="Professional · USD 15.00/month")
    form.get_by_label("Why do you need it?").fill("Prototypes for the <new> app & its *launch*")
    shot("request-form")
    form.get_by_role("button", name="Request").click()
    expect(form).to_be_hidden()
    expect(messages(page).first).to_contain_text("Request #1: Figma Professional")

    be(page, MANAGER)
    ask = messages(page).filter(has_text="requests Figma Professional").first
    expect(ask).to_contain_text(f"@{REQUESTER} requests Figma Professional")
    expect(ask).to_contain_text("Prototypes for the <new> app & its launch")
    expect(ask.locator("strong", has_text="launch")).to_be_visible()
    expect(ask).to_contain_text(re.compile(r"today at \d{1,2}:\d\d [AP]M"))
    shot("approver-dm")
    ask.get_by_role("button", name="Approve").click()
    expect(ask.get_by_role("button", name="Approve")).to_have_count(0)

    be(page, OWNER)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)

    be(page, REQUESTER)
    thread = page.get_by_role("region", name=re.compile("Thread"))
    expect(thread).to_contain_text(f"@{MANAGER} approved your request")
    expect(thread).to_contain_text("Your Figma Professional seat is live")
    expect(page.get_by_role("complementary")).to_contain_text("assign")
    shot("requester-thread")


def test_a_denial_asks_for_a_reason_which_the_requester_is_told(
    page: Page, shot: Screenshots
) -> None:
    be(page, REQUESTER)
    request_app(page, "Standard · USD 10.00/month", "Workshops")

    be(page, MANAGER)
    page.get_by_role("button", name="Deny").click()
    form = page.get_by_role("dialog", name="Deny request")
    form.get_by_role("button", name="Deny").click()
    expect(form.get_by_text("Please complete this required field.")).to_be_visible()
    form.get_by_label("Reason").fill("   ")
    form.get_by_role("button", name="Deny").click()
    expect(form.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".bk-error")).not_to_have_text("Please complete this required field.")
    shot("deny-error")
    form.get_by_label("Reason").fill("We already have a whiteboard licence")
    form.get_by_role("button", name="Deny").click()
    expect(form).to_be_hidden()

    be(page, REQUESTER)
    thread = page.get_by_role("region", name=re.compile("Thread"))
    expect(thread).to_contain_text(f"@{MANAGER} denied your request")
    expect(thread).to_contain_text("We already have a whiteboard licence")
    shot("denied")


def test_idle_seats_are_kept_released_or_reclaimed_after_their_deadline(
    page: Page, shot: Screenshots
) -> None:
    page.get_by_role("button", name="+1 day").click()
    expect(page.get_by_role("status")).to_contain_text("reclaim")

    be(page, KEEPER)
    question = messages(page).first
    expect(question).to_contain_text("You have not used Figma Professional")
    shot("idle-question")
    question.get_by_role("button", name="Keep it").click()
    expect(question).to_contain_text("you keep your")

    be(page, RELEASER)
    page.get_by_role("button", name="Release it").click()
    confirm = page.get_by_role("dialog", name="Release this seat?")
    shot("release-confirm")
    confirm.get_by_role("button", name="Release it").click()
    expect(page.get_by_role("button", name="Release it")).to_have_count(0)

    page.get_by_role("button", name="+1 week").click()
    expect(page.get_by_role("status")).to_contain_text("Moved +1 week")
    page.get_by_role("button", name="+1 day").click()  # the first reclaim pass after the deadline
    expect(page.get_by_role("status")).to_contain_text("Moved +1 day")
    be(page, MANAGER)
    expect(messages(page).filter(has_text="Figma").first).to_contain_text(re.compile("remov|took"))
    calls = page.get_by_role("complementary")
    expect(calls).to_contain_text("revoke")
    expect(calls).to_contain_text("dan@example.com")

    be(page, ADMIN)
    page.get_by_role("tab", name="#it").click()
    expect(page.get_by_role("button", name="Done").first).to_be_visible()
    shot("it-channel-after-reclaim")


def test_an_admin_posts_the_digest_to_the_it_channel_on_demand(
    page: Page, shot: Screenshots
) -> None:
    be(page, ADMIN)
    page.get_by_role("tab", name="#it").click()
    type_command(page, "/license digest")

    expect(page.get_by_label("Only visible to you")).to_contain_text(
        "The digest is on its way to #it"
    )
    expect(messages(page).filter(has_text="Overspend").first).to_be_visible()
    shot("digest")

    page.get_by_role("tab", name="Home").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.get_by_role("tabpanel").get_by_role("button", name="Request").first).to_be_visible()
    shot("home")

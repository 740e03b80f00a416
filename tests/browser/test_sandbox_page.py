"""A person tries Seatkeeper in the demo's sandbox page: requests and approvals, a request
needed until a date, a denial with a reason, idle-seat questions and a reclaim after moving the
clock, and the digest; and what Slack would refuse, listed beside it all."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from slack_sdk.errors import SlackApiError

from tests.browser.conftest import Screenshots, opened
from tests.integration.sandbox_harness import served_demo

# Acme's people (bot/sandbox/demo_org.py), by the name the page shows: Lucas reports to Marcus;
# Priya owns Figma; Tom is an IT admin. Kevin (Notion), Jack (Miro, fulfilled by hand) and Ben
# (Jira) hold seats idle long enough to be asked about, and nothing else that is.
REQUESTER, MANAGER, OWNER, ADMIN = "Lucas Silva", "Marcus Chen", "Priya Raman", "Tom Hargreaves"
KEEPER, RELEASER, SILENT = "Kevin Murphy", "Jack Thompson", "Ben Foster"


def be(page: Page, name: str) -> None:
    page.get_by_label("You are").select_option(label=name)
    expect(page.get_by_role("tab", name="Seatkeeper")).to_have_attribute("aria-selected", "true")


def type_command(page: Page, text: str) -> None:
    page.get_by_role("textbox", name=re.compile("^Message")).fill(text)
    page.get_by_role("button", name="Send").click()


def request_app(page: Page, option: str, reason: str) -> Locator:
    type_command(page, "/license")
    form = page.get_by_role("dialog", name="Request software")
    form.get_by_label("App and tier").select_option(label=option)
    form.get_by_label("Why do you need it?").fill(reason)
    form.get_by_role("button", name="Request").click()
    expect(form).to_be_hidden()
    return form


def jump(page: Page, label: str) -> None:
    """Move the app's clock ahead with a button, and wait until the jump is done."""
    page.get_by_role("button", name=label).click()
    expect(page.get_by_role("status")).to_contain_text(f"Moved {label}")


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
    mine = messages(page).first
    expect(mine).to_contain_text(re.compile(r"Request #\d+: Figma Professional"))
    # Bold around a mention, as Slack draws it.
    expect(mine.locator("strong", has_text=f"waiting for @{MANAGER}")).to_be_visible()

    be(page, MANAGER)
    ask = messages(page).filter(has_text="requests Figma Professional").first
    expect(ask).to_contain_text(f"@{REQUESTER} requests Figma Professional")
    expect(ask).to_contain_text("Prototypes for the <new> app & its launch")
    expect(ask.locator("strong", has_text="launch")).to_be_visible()
    expect(ask).to_contain_text(re.compile(r"today at \d{1,2}:\d\d [AP]M"))
    shot("approver-dm")
    ask.get_by_role("button", name="Approve").click()
    expect(ask.get_by_role("button", name="Approve")).to_have_count(0)

    be(page, OWNER)  # the demo's history left her another request to decide: not this one
    ask = messages(page).filter(has_text=f"@{REQUESTER} requests Figma Professional").first
    ask.get_by_role("button", name="Approve").click()
    expect(ask.get_by_role("button", name="Approve")).to_have_count(0)

    be(page, REQUESTER)
    thread = page.get_by_role("region", name=re.compile("Thread"))
    expect(thread).to_contain_text(f"@{MANAGER} approved your request")
    expect(thread).to_contain_text("Your Figma Professional seat is live")
    calls = page.get_by_role("complementary")
    expect(calls).to_contain_text("assign")
    expect(calls).to_contain_text("lucas.silva@acme.example")
    shot("requester-thread")


def test_a_request_needed_until_a_date_picked_in_the_form_shows_that_date(
    page: Page, shot: Screenshots
) -> None:
    until = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)
    shown = f"{until:%b} {until.day}, {until.year}"  # Slack's {date_short_pretty}
    be(page, REQUESTER)
    type_command(page, "/license")
    form = page.get_by_role("dialog", name="Request software")
    form.get_by_label("App and tier").select_option(label="Standard · USD 10.00/month")  # Miro
    form.get_by_label("Why do you need it?").fill("A quarter of design workshops")
    form.get_by_label("Needed until").fill(until.isoformat())
    shot("request-form-with-end-date")
    form.get_by_role("button", name="Request").click()
    expect(form).to_be_hidden()
    expect(messages(page).first).to_contain_text(f"needed until {shown}")

    be(page, MANAGER)
    ask = messages(page).filter(has_text=f"@{REQUESTER} requests Miro Standard").first
    expect(ask).to_contain_text(f"Needed until{shown}")
    shot("approver-dm-with-end-date")


def test_a_denial_asks_for_a_reason_which_the_requester_is_told(
    page: Page, shot: Screenshots
) -> None:
    be(page, REQUESTER)
    request_app(page, "Standard · USD 10.00/month", "Workshops")  # Miro

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
    # The demo's reclaim pass runs at 09:00 UTC on five days of the week: a week's jump has
    # those runs whatever day the test runs on, a day's might not.
    jump(page, "+1 week")
    expect(page.get_by_role("status")).to_contain_text("reclaim")

    be(page, KEEPER)
    question = messages(page).first
    expect(question).to_contain_text("You have not used Notion Plus")
    shot("idle-question")
    question.get_by_role("button", name="Keep it").click()
    expect(question).to_contain_text("you keep your")

    be(page, RELEASER)
    page.get_by_role("button", name="Release it").click()
    confirm = page.get_by_role("dialog", name="Release this seat?")
    shot("release-confirm")
    confirm.get_by_role("button", name="Release it").click()
    expect(page.get_by_role("button", name="Release it")).to_have_count(0)

    # Seven days' grace from the first question, then the next reclaim run takes the seat:
    # both fall within the second week.
    jump(page, "+1 week")
    be(page, SILENT)
    expect(messages(page).filter(has_text="Jira Standard").first).to_contain_text("released")
    calls = page.get_by_role("complementary")
    expect(calls).to_contain_text("revoke")
    expect(calls).to_contain_text("ben.foster@acme.example")

    be(page, ADMIN)
    page.get_by_role("tab", name="#it").click()
    task = messages(page).filter(has_text="jack.thompson@acme.example").first  # Miro: by hand
    expect(task.get_by_role("button", name="Done")).to_be_visible()
    task.scroll_into_view_if_needed()
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


def test_a_message_slack_would_refuse_is_listed_on_the_page_with_the_reasons(
    browser: Browser, tmp_path: Path, database_url: str
) -> None:
    # In this process, to hold the app's own Web API client: the app can be made to send a
    # header Block Kit refuses, which no click on the page makes it send.
    with served_demo(tmp_path, database_url) as served, opened(browser, served.url) as page:
        be(page, ADMIN)
        refused = page.get_by_role("region", name=re.compile("^Slack would refuse"))
        expect(refused).to_contain_text("Nothing so far")
        bolt, channel = served.app.container.bolt, served.app.container.config.slack.it_channel
        assert bolt is not None and channel is not None

        with pytest.raises(SlackApiError, match="invalid_blocks"):
            header = {"type": "header", "text": {"type": "mrkdwn", "text": "*not plain*"}}
            bolt.client.chat_postMessage(channel=channel, text="Digest", blocks=[header])

        expect(refused).to_have_accessible_name("Slack would refuse (1)")
        [entry] = refused.get_by_role("listitem").filter(has_text="chat.postMessage").all()
        expect(entry).to_contain_text("chat.postMessage: invalid_blocks")
        expect(entry.get_by_role("listitem").first).to_contain_text("blocks[0]")

"""The App Home tab: rendered from the database and published for one person."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.runtime.runner import Runner
from bot.slack.present import home_view
from messages import render


class HomeTab:
    """Publishes someone's App Home: when they open it, and after something changed for them."""

    def __init__(self, runner: Runner, slack: WebClient) -> None:
        self.runner = runner
        self.slack = slack

    def publish(self, user: str) -> None:
        """Render and publish the App Home tab for `user`."""
        with self.runner.reading() as uow:
            view = render.home(home_view(user, uow, self.runner.config))
        self.slack.views_publish(user_id=user, view=view)

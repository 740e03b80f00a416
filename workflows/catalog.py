"""The configuration model: IT channel, admins, defaults and the catalog of apps.

Every model refuses unknown keys; cross-references (approval steps, `downgrade_to`, owners)
are checked here so a bad file is refused before anything runs. Of an app's connector and of
the directory the domain knows only the type (`ConnectorConfig`, `Directory`); each vendor's
settings are a subclass beside its connector, and `app_model`/`config_model` make the model a
file is read into from them.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from collections.abc import Sequence
from decimal import Decimal
from types import GenericAlias
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from workflows.csvfile import EMAIL
from workflows.hours import WorkingHours, WorkingHoursError, parse_working_hours
from workflows.model import normal_email
from workflows.text import MAX_EMAIL

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
APPROVER_KEYWORDS = ("manager", "owner", "admins")
KEY = r"^[a-z0-9][a-z0-9_-]{0,62}$"
MANUAL = "manual"  # the connector of an app whose seats IT gives and takes by hand


class ConfigValueError(ValueError):
    """A refused config value; the loader decides which `values` its `template` may show."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(**values))
        self.template, self.values = template, values


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _approval_step(value: str) -> str:
    if value in APPROVER_KEYWORDS or SLACK_USER_ID.match(value):
        return value
    raise ConfigValueError(
        "approval step {value!r} is not one of manager, owner, admins or a Slack user id (U…)",
        value=value,
    )


def _slack_user(value: str) -> str:
    if not SLACK_USER_ID.match(value):
        raise ConfigValueError("{value!r} is not a Slack user id (U… or W…)", value=value)
    return value


def _email(value: str) -> str:
    email = normal_email(value)
    if EMAIL.match(email) and len(email) <= MAX_EMAIL:
        return email
    wanted = "; exempt takes email addresses, such as ceo@acme.com"
    if not email:
        raise ConfigValueError("a blank entry is not an email address" + wanted)
    what = "a Slack user id" if SLACK_USER_ID.match(value.strip()) else "not an email address"
    raise ConfigValueError(f"{{value!r}} is {what}{wanted}", value=value)


def _working_hours(value: str) -> str:
    try:
        parse_working_hours(value)
    except WorkingHoursError as exc:  # its values are parts of the file, shown as the loader allows
        raise ConfigValueError(exc.template, **exc.values) from None
    return value


ApprovalChain = list[Annotated[str, AfterValidator(_approval_step)]]
SlackUserId = Annotated[str, AfterValidator(_slack_user)]
Email = Annotated[str, AfterValidator(_email)]  # stored as `normal_email` makes it
WorkingHoursText = Annotated[str, AfterValidator(_working_hours)]


class SlackConfig(Strict):
    it_channel: str | None = None
    approvals_channel: str | None = None
    dm_rate: float = Field(default=1.0, gt=0, allow_inf_nan=False)  # DMs per second, at most

    @field_validator("it_channel", "approvals_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not SLACK_CHANNEL_ID.match(value):
            raise ConfigValueError("{value!r} is not a Slack channel id (C…)", value=value)
        return value


class ReclaimOverrides(Strict):
    """A reclaim policy where every key is optional; unset keys fall back to `defaults`."""

    enabled: bool | None = None
    idle_days: int | None = Field(default=None, ge=1)
    grace_days: int | None = Field(default=None, ge=0)
    reminder_days: int | None = Field(default=None, ge=0)
    new_seat_days: int | None = Field(default=None, ge=0)
    working_hours: WorkingHoursText | None = None
    action: Literal["revoke", "downgrade"] | None = None
    downgrade_to: str | None = None
    review: bool | None = None
    exempt: list[Email] | None = None


class ReclaimPolicy(Strict):
    enabled: bool = True  # False: the app's seats are never asked about for being idle
    idle_days: int = Field(default=30, ge=1)
    grace_days: int = Field(default=7, ge=0)
    reminder_days: int = Field(default=3, ge=0)
    new_seat_days: int = Field(default=14, ge=0)
    working_hours: WorkingHoursText = "Mon-Fri 09:00-17:00"
    action: Literal["revoke", "downgrade"] = "revoke"
    downgrade_to: str | None = None
    review: bool = False
    exempt: list[Email] = Field(default_factory=list)

    @property
    def hours(self) -> WorkingHours:
        """The holder's working hours that the policy's deadlines keep to."""
        return parse_working_hours(self.working_hours)

    def merged(self, overrides: ReclaimOverrides | None) -> ReclaimPolicy:
        """This policy with the keys `overrides` sets replaced."""
        if overrides is None:
            return self
        return self.model_copy(update=overrides.model_dump(exclude_none=True))


class Defaults(Strict):
    approval: ApprovalChain = Field(default_factory=lambda: ["manager"])
    reminder_hours: int = Field(default=24, ge=1)
    escalate_hours: int = Field(default=48, ge=1)
    expire_days: int = Field(default=7, ge=1)
    reclaim: ReclaimPolicy = Field(default_factory=ReclaimPolicy)


class Schedule(Strict):
    sync: str | None = "0 */6 * * *"
    reclaim: str | None = "0 9 * * 1-5"
    digest: str | None = "0 9 * * 1"
    reminders: str | None = "*/5 * * * *"


class DigestConfig(Strict):
    """What the IT channel's digest covers."""

    horizon_days: int = Field(default=90, ge=1, le=3660)  # renewals this close are listed
    headroom_percent: int = Field(default=10, ge=0, le=1000)  # seats to keep beyond the need


class Directory(Strict):
    """Where people come from, as the domain sees it: a source and where to reach it.

    Which sources exist and what each needs is the connectors' knowledge: the config loader
    reads `directory:` into their subclass of this model.
    """

    source: str = "csv"
    path: str | None = None
    base_url: str | None = None
    token_env: str | None = None

    @property
    def pushed(self) -> bool:
        """True when identity providers push the directory over SCIM (`source: push`)."""
        return self.source == "push"


class ConnectorConfig(Strict):
    """An app's `connector:` as the domain sees it: its type.

    Each type's settings are a subclass beside its connector (in `connectors/`), and the config
    loader reads the mapping into the subclass its `type` names.
    """

    type: str

    def tier_keys(self) -> dict[str, list[str]]:
        """Tier keys the settings name, by setting (e.g. a SKU per tier): each must be the app's."""
        return {}

    def tiers_problem(self, tiers: list[str]) -> ConfigValueError | None:
        """Why these settings cannot serve an app with these tier keys, or None."""
        return None


def tiers_missing_from(
    setting: str, mapping: dict[str, Any], tiers: list[str]
) -> ConfigValueError | None:
    """Why a per-tier `setting` (such as skus) cannot serve these tiers: some have no entry."""
    missing = [tier for tier in tiers if tier not in mapping]
    if not missing:
        return None
    which = "tiers" if len(missing) > 1 else "tier"
    return ConfigValueError(
        f"{setting} names nothing for {which} {{tiers}}: every tier needs one",
        tiers=", ".join(missing),
    )


def _manual_by_default() -> Any:
    """An app without a connector is fulfilled by hand (read, like any, into its type's model)."""
    return Field(default_factory=lambda: {"type": MANUAL}, validate_default=True)


class Tier(Strict):
    key: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=60)
    monthly_price: Decimal = Field(default=Decimal(0), ge=0)
    approval: ApprovalChain | None = None
    # A group pushed over SCIM: joining it requests this tier, leaving it reclaims the seat.
    idp_group: str | None = Field(default=None, min_length=1, max_length=255)


class Contract(Strict):
    seats: int | None = Field(default=None, ge=0)
    renews_on: dt.date | None = None
    notice_days: int = Field(default=30, ge=0)
    auto_renew: bool = False


class AppConfig(Strict):
    key: str = Field(pattern=KEY)
    name: str = Field(min_length=1, max_length=60)
    owner: SlackUserId | None = None
    connector: ConnectorConfig = _manual_by_default()
    approval: ApprovalChain | None = None
    tiers: list[Tier] = Field(min_length=1)
    contract: Contract = Field(default_factory=Contract)
    reclaim: ReclaimOverrides | None = None

    @model_validator(mode="after")
    def _references(self) -> AppConfig:
        keys = [tier.key for tier in self.tiers]
        if len(set(keys)) != len(keys):
            raise ConfigValueError("app {app}: tier keys must be unique", app=self.key)
        groups = [tier.idp_group for tier in self.tiers if tier.idp_group is not None]
        if len(set(groups)) != len(groups):
            raise ConfigValueError(
                "app {app}: an idp_group names at most one of its tiers", app=self.key
            )
        target = self.reclaim.downgrade_to if self.reclaim else None
        if target is not None and target not in keys:
            raise ConfigValueError(
                "app {app}: downgrade_to {target!r} is not one of its tiers",
                app=self.key,
                target=target,
            )
        if self.reclaim and self.reclaim.action == "downgrade" and target is None:
            raise ConfigValueError("app {app}: action downgrade needs downgrade_to", app=self.key)
        problem = self.connector.tiers_problem(keys)
        if problem is not None:
            raise ConfigValueError(
                "app {app}: connector " + problem.template, app=self.key, **problem.values
            )
        for setting, named in self.connector.tier_keys().items():
            unknown = sorted(set(named) - set(keys))
            if unknown:
                raise ConfigValueError(
                    f"app {{app}}: connector {setting} name tiers it does not have: {{tiers}}",
                    app=self.key,
                    tiers=", ".join(unknown),
                )
        return self

    def tier(self, key: str) -> Tier | None:
        """The tier with this key, or None."""
        return next((tier for tier in self.tiers if tier.key == key), None)

    @functools.cached_property
    def tier_keys(self) -> frozenset[str]:
        """The keys of the app's tiers (a sync checks every seat's against them)."""
        return frozenset(tier.key for tier in self.tiers)


class Config(Strict):
    slack: SlackConfig = Field(default_factory=SlackConfig)
    admins: list[SlackUserId] = Field(default_factory=list)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    directory: Directory = Field(default_factory=Directory)
    schedule: Schedule = Field(default_factory=Schedule)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    defaults: Defaults = Field(default_factory=Defaults)
    apps: list[AppConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_apps(self) -> Config:
        keys = [app.key for app in self.apps]
        dupes = sorted({key for key in keys if keys.count(key) > 1})
        if dupes:
            raise ConfigValueError("app keys must be unique: {keys}", keys=", ".join(dupes))
        for app in self.apps:
            policy = self.reclaim_policy(app)
            if policy.action == "downgrade" and app.tier(policy.downgrade_to or "") is None:
                raise ConfigValueError(
                    "app {app}: reclaim action downgrade (from defaults.reclaim) needs "
                    "downgrade_to naming one of its tiers, not {target!r}",
                    app=app.key,
                    target=policy.downgrade_to,
                )
        return self

    def app(self, key: str) -> AppConfig | None:
        """The app with this key, or None."""
        return self._apps_by_key.get(key)

    @functools.cached_property
    def _apps_by_key(self) -> dict[str, AppConfig]:
        # Looked up for every row of an import and every seat of a scan, of up to 500 apps.
        return {app.key: app for app in self.apps}

    def group_tiers(self, idp_group: str) -> list[tuple[AppConfig, Tier]]:
        """The tiers (one an app at most) whose seats members of this pushed group get."""
        return [(a, t) for a in self.apps for t in a.tiers if t.idp_group == idp_group]

    def chain(self, app: AppConfig, tier: Tier) -> list[str]:
        """The approval chain for a tier: the tier's, else the app's, else the default."""
        for chain in (tier.approval, app.approval):
            if chain is not None:
                return chain
        return self.defaults.approval

    def reclaim_policy(self, app: AppConfig) -> ReclaimPolicy:
        """The app's reclaim policy with defaults filled in."""
        return self.defaults.reclaim.merged(app.reclaim)


def app_model(connectors: Sequence[type[ConnectorConfig]]) -> type[AppConfig]:
    """The AppConfig model whose `connector:` is read into the one of `connectors` that its
    `type` names."""
    union: Any = functools.reduce(operator.or_, connectors)
    chosen: Any = Annotated[union, Field(discriminator="type")] if len(connectors) > 1 else union
    return create_model("AppConfig", __base__=AppConfig, connector=(chosen, _manual_by_default()))


def config_model(app: type[AppConfig], directory: type[Directory]) -> type[Config]:
    """The Config model a config file is read into: its apps by `app`, `directory:` into
    `directory`."""
    apps: Any = GenericAlias(list, app)  # list[app], of a model made at run time
    return create_model(
        "Config",
        __base__=Config,
        directory=(directory, Field(default_factory=directory)),
        apps=(apps, Field(default_factory=list)),
    )

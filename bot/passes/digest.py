"""The digest pass: the IT channel's digest, posted once per run."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.runner import Runner
from workflows.commands import BuildDigest
from workflows.digest import Digest, build_digest, post_digest


@dataclass(frozen=True)
class DigestPass:
    """Builds, stores and queues the digest."""

    runner: Runner

    def __call__(self) -> Digest:
        """One digest, posted."""
        return self.runner(post_digest, BuildDigest())

    def rehearse(self) -> Digest:
        """The digest as it would be now, changing nothing."""
        return self.runner.rehearse(build_digest, BuildDigest())

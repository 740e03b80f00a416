"""The edge and the composition root: Slack, HTTP, jobs, scheduled passes, CLI and settings.

The only package that reads settings and wires the others together. Its parts, each a
subpackage, import downwards only (an import-linter contract):

    cli, web        entry points: the `seatkeeper` command and the HTTP app
    bootstrap       the composition root; only the entry points (and benchmarks) import it
    passes          scheduled passes (sync, reminders) and their scheduler
    jobs            the durable-job worker and the job handlers (effects)
    slack           the Slack edge: Bolt app, listeners, parsing, presentation, posting
    config, runtime settings and the config file; the verb runner, clock, heartbeat, limits
"""

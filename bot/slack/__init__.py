"""The Slack edge: signature and shape checks, the Bolt app, listeners, parsing, presentation.

Imports config, runtime and the inner packages; never jobs, passes or the composition root.
"""

"""The HTTP app: `POST /slack/events`, `GET /healthz` and the REST API (an entry point, like
the CLI)."""

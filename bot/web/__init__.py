"""The HTTP app: `POST /slack/events` and `GET /healthz` (an entry point, like the CLI)."""

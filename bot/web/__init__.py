"""The HTTP app: `POST /slack/events`, the health checks (`/healthz`, `/readyz`), `/metrics` and
the REST API (an entry point, like the CLI)."""

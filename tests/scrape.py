"""`GET /metrics` read the way Prometheus reads it: the text format parsed into samples."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families


class Scrape:
    """The samples of one scrape, looked up by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples = [sample for family in self.families.values() for sample in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` with exactly these labels; 0 when there is none (yet)."""
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        assert len(found) <= 1, f"{name}{labels} appears {len(found)} times"
        return found[0] if found else 0.0

    def labelled(self, name: str) -> dict[tuple[str, ...], float]:
        """Every sample `name`, keyed by its label values in label-name order."""
        return {
            tuple(value for _, value in sorted(s.labels.items())): s.value
            for s in self.samples
            if s.name == name
        }


def scrape(client: Any) -> Scrape:
    """`GET /metrics` through a test client; it must answer 200 in the text format."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return Scrape(response.text)

"""Structured request logs: one JSON object per request with what an operator filters on."""

from __future__ import annotations

import json
import logging

from django.test import Client

from diam.web.security.logs import JsonFormatter


def test_each_request_is_one_structured_line(alice_client: Client, alice, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="diam.request"):
        alice_client.get("/o/999/", REMOTE_ADDR="198.51.100.8")
    (record,) = [r for r in caplog.records if r.name == "diam.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /o/999/ 404"
    assert {k: line[k] for k in ("method", "path", "status", "user_id", "client")} == {
        "method": "GET",
        "path": "/o/999/",
        "status": 404,
        "user_id": alice.pk,
        "client": "198.51.100.8",
    }
    assert line["level"] == "INFO" and line["duration_ms"] >= 0 and "time" in line

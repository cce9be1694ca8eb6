"""Plant a known value, run every command, and grep all captured output for it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests import helpers


def test_no_secret_in_any_output(fleet: Path, keys_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = helpers.plant("planted-VALUE-9f3b2c71")
    helpers.write(fleet / "apps/planted.clear.yaml", helpers.secret_yaml("planted", secret))
    runs = [
        ["encrypt", "apps/planted.clear.yaml"], ["status"], ["status", "--format", "json"],
        ["decrypt", "apps/planted.enc.yaml"], ["encrypt"], ["init"],
        ["decrypt", "apps/planted.clear.yaml"],  # an error path
    ]
    outputs = [helpers.run_cli(args, fleet).text for args in runs]
    outputs.append(helpers.cli_proc(["status", "--format", "json"], fleet).text)
    keys = [line for line in keys_file.read_text().splitlines() if line.startswith("AGE-SECRET-KEY-")]
    assert keys
    for text in [*outputs, caplog.text]:
        assert secret not in text
        assert not any(k in text for k in keys)

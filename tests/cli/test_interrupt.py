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

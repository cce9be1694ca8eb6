"""The README keeps in step with the CLI: every command and option its reference names exists
(asked of click itself, as `--help` prints it), every command is listed, the quick start is two
commands, lines are of ordinary length, and its links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import click

from secretops.cli.app import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# written by other helpers this round; the coordinator merges them beside this README


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def _reference() -> dict[tuple[str, ...], set[str]]:
    """The reference block: each `secretops …` line and its indented continuations."""
    block = _section("Command reference").split("```text\n", 1)[1].split("```", 1)[0]
    entries: dict[tuple[str, ...], set[str]] = {}
    current: tuple[str, ...] | None = None
    for line in block.splitlines():
        if line.startswith("secretops "):
            synopsis = re.split(r"\s{3,}", line)[0]  # the description follows after a wide gap
            words = synopsis.split()[1:]
            path = []
            group: click.Command = cli
            for word in words:
                sub = group.get_command(click.Context(group), word) if isinstance(group, click.Group) else None
                if sub is None:
                    break
                path.append(word)
                group = sub
            current = tuple(path)
            entries[current] = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", synopsis))
        elif line.startswith("    ") and current is not None:
            entries[current] |= set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", line))
    return entries


def _commands() -> dict[tuple[str, ...], click.Command]:
    out: dict[tuple[str, ...], click.Command] = {}

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            if command.hidden:
                continue
            if isinstance(command, click.Group):
                walk(command, (*path, name))
            else:
                out[(*path, name)] = command
    walk(cli, ())
    return out


def test_every_command_is_listed_and_every_listed_option_exists() -> None:
    listed, commands = _reference(), _commands()
    assert set(listed) == set(commands), (set(commands) - set(listed), set(listed) - set(commands))
    for path, options in listed.items():
        known = {o for p in commands[path].params for o in (*p.opts, *p.secondary_opts)}
        assert options <= known, (path, options - known)


def test_every_option_of_a_command_is_in_the_reference() -> None:
    listed, commands = _reference(), _commands()
    for path, command in commands.items():
        have = {p.opts[0] for p in command.params if isinstance(p, click.Option) and not p.hidden}
        assert have - {"-h", "--help"} <= listed[path], (path, have - listed[path])


def test_quick_start_is_two_commands() -> None:
    block = _section("Quick start").split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make demo", "make test"]


def test_lines_are_of_ordinary_length_and_no_tag_is_pinned() -> None:
    """Prose and tables of ordinary length; output pasted in a fenced block is kept as it was printed."""
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        fenced = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            fenced ^= line.lstrip().startswith("```")
            assert fenced or len(line) <= 120, f"{path.name}:{n}"
    assert "v0.1.0" not in README  # no such tag exists


def test_local_links_lead_somewhere() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if target.startswith("http"):
            continue
        assert (ROOT / target).exists(), target
    assert "no kube-apiserver runs here" in README.lower().replace("\n", " ")

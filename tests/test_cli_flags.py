"""Flags mean the same thing in every command (parsing only: no video is analysed)."""

from __future__ import annotations

import contextlib
import io

import pytest

from hipcam.cli import build_parser


def _help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        build_parser().parse_args([*argv, "--help"])
    return out.getvalue()


def test_analyze_is_an_alias_of_analyse() -> None:
    a = build_parser().parse_args(["analyze", "v.mp4", "--json", "-"])
    b = build_parser().parse_args(["analyse", "v.mp4", "--json", "-"])
    assert a._run is b._run and a.json == b.json == "-"


@pytest.mark.parametrize("command", ["analyse", "live", "history", "batch", "synth"])
def test_help_has_no_empty_defaults(command: str) -> None:
    text = _help(command) if command != "batch" else _help("batch", "x")
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "(default: [])" not in text


@pytest.mark.parametrize("argv", [
    ["analyse", "v.mp4"], ["live"], ["history"], ["batch", "x", "--out", "o"], ["synth"],
])
def test_quiet_everywhere(argv: list[str]) -> None:
    args = build_parser().parse_args([*argv, "--quiet"])
    assert args.quiet is True


@pytest.mark.parametrize("argv", [["analyse", "v.mp4"], ["live"], ["history"], ["batch", "x", "--out", "o"]])
def test_json_takes_a_path_or_dash(argv: list[str]) -> None:
    p = build_parser()
    assert p.parse_args([*argv, "--json", "out.json"]).json == "out.json"
    assert p.parse_args([*argv, "--json", "-"]).json == "-"


def test_live_sound_and_json_switch() -> None:
    p = build_parser()
    args = p.parse_args(["live", "--no-sound", "--json", "--loop"])
    assert args.no_sound and not args.quiet and args.json == "-" and args.loop
    assert p.parse_args(["history", "--json"]).json == "-"  # bare --json still means stdout

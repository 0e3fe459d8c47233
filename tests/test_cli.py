"""The command line as a whole: help on every command, every command documented."""

import re

from conftest import ROOT, run


def commands():
    out = run(["--help"], cwd=ROOT).stdout
    section = out.split("Commands:", 1)[1]
    return [m.group(1) for m in re.finditer(r"^\s{2}([a-z][a-z-]*)\s", section, re.M)]


def test_every_command_has_help():
    names = commands()
    assert {"build", "serve", "check", "import", "release", "versions", "diff"} <= set(names)
    for name in names:
        proc = run([name, "--help"], cwd=ROOT)
        assert f"Usage: policygen {name}" in proc.stdout
        assert "--help" in proc.stdout


def test_every_command_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in commands():
        assert f"policygen {name}" in readme, f"README does not mention 'policygen {name}'"


def test_usage_error_exits_2_without_traceback(tmp_path):
    proc = run(["release", "--policy", "x"], cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert "Missing option '--effective'" in proc.stderr
    assert "Traceback" not in proc.stderr

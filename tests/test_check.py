"""`policygen check` on real text: lint findings with path:line, exit codes, --strict."""

from conftest import SEEDS, run


def test_astronergy_placeholders_and_typo_are_reported_with_lines(project):
    run(["import", str(SEEDS / "astronergy-privacy-policy-2023-05-31.txt"), "--policy", "astronergy", "--lang", "en"],
        cwd=project)
    proc = run(["check"], cwd=project)
    assert proc.returncode == 0  # warnings do not fail
    folder = project / "policy_src/astronergy/en"
    expected = []
    for name, needle in (("personal-data-process.md", "by email (, and"),
                         ("rights-personal-information.md", "via emial ( If"),
                         ("rights-personal-information.md", "by email (; We")):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        line = next(i for i, text in enumerate(lines, 1) if needle in text)
        expected.append(f"policy_src/astronergy/en/{name}:{line}: warning: broken placeholder")
    for prefix in expected:
        assert prefix in proc.stdout, (prefix, proc.stdout)
    assert proc.stdout.count("broken placeholder") == 3
    assert "possible typo 'emial'" in proc.stdout
    assert "0 error(s), 4 warning(s)" in proc.stderr
    strict = run(["check", "--strict"], cwd=project, check=False)
    assert strict.returncode != 0


def test_clean_policy_has_no_findings(project):
    run(["import", str(SEEDS / "st-machinery-privacy-policy.txt"), "--policy", "st", "--lang", "en"], cwd=project)
    proc = run(["check", "--strict"], cwd=project)
    assert proc.stdout == ""
    assert "0 error(s), 0 warning(s)" in proc.stderr

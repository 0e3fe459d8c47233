"""The policygen command line: a thin layer over the library.

User errors print ``path:line: message`` plus a hint and exit with status 2.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import date

import click

from .errors import Finding, PolicyError
from .export import EXPORTERS

USER_ERROR = 2


def fail(exc: PolicyError) -> None:
    click.echo(exc.format(), err=True)
    sys.exit(USER_ERROR)


class Group(click.Group):
    """Turn every PolicyError (and Ctrl-C) into a clean message instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PolicyError as exc:
            fail(exc)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was changed", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # Whoever read the output stopped reading (policygen diff ... | head): nothing to report.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:
            # A file the system refused where no command expected it (a full disk, a read-only
            # folder): the file and the reason, not a traceback.
            from .errors import os_error

            fail(os_error(exc))


def src_option(f):
    return click.option("--src", default="policy_src", show_default=True, type=click.Path(file_okay=False),
                        help="Folder holding the policies.")(f)


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    from .schema import date_message

    problem = date_message(f"{name}", value)
    if problem:
        message, hint = problem
        raise PolicyError(message if ": " in message else f"{message} is not a date", hint=hint)
    return date.fromisoformat(value)


def _require_policy(src: str, policy: str) -> None:
    """A clear error for a policy name that is not in the sources (not 'no release yet')."""
    if os.path.isfile(os.path.join(src, policy, "policy.yml")):
        return
    known = sorted(n for n in os.listdir(src) if os.path.isfile(os.path.join(src, n, "policy.yml"))) \
        if os.path.isdir(src) else []
    raise PolicyError(f"there is no policy {policy!r} in {src}/",
                      hint=("known policies: " + ", ".join(known)) if known
                      else "import one with 'policygen import FILE --policy NAME --lang en'")


def _check_policy(src: str, policy: str, work_tree: bool = True) -> None:
    """Refuse early, with paths as the user sees them, when the policy's sources (or, with
    ``work_tree=False``, just its release ledger) have errors."""
    from .fragments import load_policy
    from .project import _Prefixed, display_path
    from .worktree import DirSource

    _require_policy(src, policy)
    findings = []
    load_policy(DirSource(src), "", policy, findings)
    errors = [f for f in findings if f.severity == "error" and (work_tree or f.path.endswith("/releases.yml"))]
    if errors:
        fix = _Prefixed(display_path(src))
        raise PolicyError(f"{len(errors)} error(s) in policy {policy!r}", findings=[fix(f) for f in errors])


def _is_version_name(ref: str) -> bool:
    if ref in ("current", "latest", "draft"):
        return True
    try:
        date.fromisoformat(ref)
        return True
    except ValueError:
        return False


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policygen")
def main():
    """Build versioned, multilingual privacy policy sites from clause fragments in git."""


@main.command()
@src_option
@click.option("--out", default="site", show_default=True, help="Output folder (replaced atomically).")
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True, help="MkDocs config file.")
@click.option("--date", "as_of", help="Build as of this date (default: today, or SOURCE_DATE_EPOCH).")
@click.option("--draft", is_flag=True, help="Also publish the work tree at /<lang>/<policy>/draft/.")
@click.option("--pdf", is_flag=True,
              help="Also print each version to <lang>/<policy>/<date>/policy.pdf (needs Playwright and Chromium).")
@click.option("--docx", is_flag=True,
              help="Also write a Word redline (tracked changes) next to each comparison: "
                   "<lang>/<policy>/compare/<OLD>...<NEW>/redline.docx, linked from the archive.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Cache folder: rendered clauses, finished pages, what each release commit held and "
                   "diffs of clause pairs, kept between builds, each entry checked when read "
                   "(default: .policygen-cache beside the config file, or $POLICYGEN_CACHE; entries are "
                   "signed with $POLICYGEN_CACHE_KEY or a key of the user's own).")
@click.option("--no-cache", is_flag=True, help="Render everything afresh; read and write no cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Processes making the pages (default: one per CPU, or $POLICYGEN_JOBS). "
                   "The output is the same whatever the number.")
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' progress messages.")
def build(src, out, config_file, as_of, draft, pdf, docx, cache_dir, no_cache, jobs, verbose):
    """Build the whole site into OUT."""
    from .buildsite import build_site
    from .project import build_date, check_sources

    today = build_date(as_of)
    loaded, findings = check_sources(src, lint=False)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PolicyError(f"{len(errors)} error(s) in the policy sources; nothing was built", findings=errors)
    n = sum(len(m.languages) for m, _ in loaded)
    click.echo(f"Building {len(loaded)} policies in {n} policy-languages as of {today} ...", err=True)
    os.environ["POLICYGEN_DATE"] = today.isoformat()
    if draft:
        os.environ["POLICYGEN_DRAFT"] = "1"
    if pdf:
        os.environ["POLICYGEN_PDF"] = "1"  # the plugin prints them inside the atomic build
    if docx:
        os.environ["POLICYGEN_DOCX"] = "1"
    # Kept outputs are keyed by everything they are made from and checked when read, so a kept
    # cache only saves time: a build with it is byte for byte the build without it.
    if no_cache:
        os.environ["POLICYGEN_CACHE"] = ""
    elif cache_dir:
        os.environ["POLICYGEN_CACHE"] = os.path.abspath(cache_dir)
    elif "POLICYGEN_CACHE" not in os.environ:
        os.environ["POLICYGEN_CACHE"] = os.path.join(os.path.dirname(os.path.abspath(config_file)), ".policygen-cache")
    if jobs:
        os.environ["POLICYGEN_JOBS"] = str(jobs)
    started = time.monotonic()
    result = build_site(src, out, config_file, verbose=verbose)
    for w in result["warnings"]:
        click.echo(f"warning: {w}", err=True)
    stats = result.get("policygen")
    done = ""
    if stats:
        kept = f", {stats['reused']} of {stats['files']} kept from an earlier build" if stats["reused"] else ""
        if stats.get("rejected"):
            kept += (f", {stats['rejected']} entries of the cache folder failed their check "
                     "(changed, damaged, or signed with another key) and were made again")
        done = (f" ({stats['pages']} pages{kept}, {stats['processes']} process{'es' if stats['processes'] > 1 else ''}, "
                f"{time.monotonic() - started:.1f} s)")
    click.echo(f"Built {out}/{done}", err=True)
    _end_process()


def _end_process() -> None:
    """End the process once the site is written and reported: on its way out Python would free
    every object of the build one by one (70-100 ms for a large site), which nothing needs.
    Only when this process is the policygen command, not when other code calls main()."""
    argv0 = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.splitext(os.path.basename(argv0))[0] != "policygen" and argv0 != os.path.abspath(__file__):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


@main.command()
@src_option
@click.option("--config", "config_file", default="mkdocs.yml", show_default=True)
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option("--date", "as_of", help="Preview as of this date.")
def serve(src, config_file, dev_addr, as_of):
    """Live preview, with the draft (work tree) at /<lang>/<policy>/draft/ and a page like a
    corporate website's with the notice script (notice.js) at /notice-demo/."""
    from mkdocs.commands.serve import serve as mk_serve

    from .buildsite import DEFAULT_CONFIG, site_docs_dir

    os.environ["POLICYGEN_DRAFT"] = "1"
    if as_of:
        _date(as_of, "--date")
        os.environ["POLICYGEN_DATE"] = as_of
    if not os.path.exists(config_file):
        import tempfile
        fd, config_file = tempfile.mkstemp(suffix=".yml")
        with os.fdopen(fd, "w") as fh:
            fh.write(DEFAULT_CONFIG)
    docs_dir = site_docs_dir(config_file, src)  # an existing site's own docs_dir is kept
    host = dev_addr if ":" in dev_addr else f"{dev_addr}:8000"
    click.echo(f"Serving the policy site, draft included, on http://{host}/ (Ctrl+C to stop)", err=True)
    mk_serve(config_file=config_file, dev_addr=dev_addr, livereload=True, **({"docs_dir": docs_dir} if docs_dir else {}))


@main.command()
@src_option
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
def check(src, strict):
    """Validate and lint every policy; report problems as path:line: message."""
    from .project import check_history, check_sources

    loaded, findings = check_sources(src)
    if not any(f.severity == "error" and f.path.endswith("releases.yml") for f in findings):
        findings += check_history(src, loaded)
        if not any(f.severity == "error" for f in findings):
            from .gate import check_levels

            findings += check_levels(src, loaded, date.today())
    for f in findings:
        click.echo(f.format())
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        sys.exit(1 if not errors else USER_ERROR)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--policy", required=True, help="Policy id (folder name), e.g. acme.")
@click.option("--lang", required=True, help="Language of FILE, e.g. en or zh-CN.")
@click.option("--base-url", help="Where FILE was published (https://example.com): root-relative links "
                                 "(/legal/terms) become absolute.")
@click.option("--map", "id_map", multiple=True, metavar="OLD-ID=NEW-ID",
              help="Re-import: the section this import would call NEW-ID keeps the existing id OLD-ID "
                   "(overrules the matching; repeatable).")
@src_option
def import_cmd(file, policy, lang, base_url, id_map, src):
    """Turn FILE (.txt, .md, .html, .docx) into clause fragments of POLICY in LANG.

    A new policy is created; a re-import keeps the ids of clauses whose heading or most of
    whose text stays (the mapping is printed with a similarity figure); a file in another
    language becomes a translation aligned to the source clauses.
    """
    from .editing import import_policy

    report = import_policy(file, policy, lang, src, base_url=base_url, id_map=id_map)
    verb = "Created" if report.created else "Updated"
    click.echo(f"{verb} {src}/{policy}/{lang}/ with {len(report.clauses)} clauses:")
    for cid, title, state, sim, how in report.clauses:
        why = f" {sim:4.0%} same text, by {how}" if state == "kept" and how else ""
        click.echo(f"  {cid:40} {state:4}{why}  {title}")
    for cid in report.removed:
        click.echo(f"  {cid:40} removed")
    for line, text, why in report.dropped:
        where = f"{file}:{line}" if line else file
        click.echo(f"{where}: note: not imported ({why}): {text[:70]}")
    for line, msg in report.notes:
        if not msg.startswith("dropped"):
            click.echo(f"{file}:{line}: note: {msg}")
    for anchor in report.dead_anchors:
        click.echo(f"{file}: note: in-page link to #{anchor} leads to no heading of the document ('check' reports it)")
    for lg, got in report.lagging.items():
        what = "; ".join(f"{k} {', '.join(v)}" for k, v in got.items() if v)
        click.echo(f"{lg} now lags the {lang} text ({what}): translate it and import it with --lang {lg}; until then "
                   "'release --allow-stale-translations' keeps publishing its last translation in step")
    if report.effective:
        click.echo(f"Next: review the fragments, then 'policygen release --policy {policy} "
                   f"--effective {report.effective} --backfill' to record this text as published.")


@main.command()
@click.option("--policy", required=True)
@click.option("--effective", help="Effective date YYYY-MM-DD.")
@click.option("--backfill", is_flag=True, help="Record a version that was already in force (past history).")
@click.option("--level", type=click.Choice(["editorial", "minor", "notice", "consent"]),
              help="Override the computed level (lowering needs --justification).")
@click.option("--justification", help="Why the level was changed (or why a release is withdrawn); recorded.")
@click.option("--summary", default="", help="One-line summary for the archive and feeds.")
@click.option("--allow-stale-translations", is_flag=True,
              help="Release although translations lag; the source language stays binding.")
@click.option("--allow-unchanged", is_flag=True, help="Release although the text is the same as the version before.")
@click.option("--withdraw", "withdraw_s", metavar="YYYY-MM-DD",
              help="Withdraw the release taking effect on this date (only before it is in force); "
                   "needs --justification and is recorded in releases.yml.")
@click.option("--today", "today_s", hidden=True, help="Pretend today is this date (testing).")
@src_option
def release(policy, effective, backfill, level, justification, summary, allow_stale_translations, allow_unchanged,
            withdraw_s, today_s, src):
    """Record the current text (all languages) as a version in releases.yml, or withdraw
    one not yet in force (--withdraw DATE --justification TEXT)."""
    from .changes import compute_release_change
    from .editing import record_release
    from .project import build_date

    today = build_date(today_s)
    if withdraw_s is not None:
        if effective is not None:
            raise PolicyError("--withdraw and --effective do not go together",
                              hint="withdraw one release, then record the corrected text as a new one")
        _withdraw(src, policy, _date(withdraw_s, "--withdraw"), today, justification)
        return
    if effective is None:
        raise click.UsageError("Missing option '--effective' (or '--withdraw' to take a release back).")
    eff = _date(effective, "--effective")
    _check_policy(src, policy)
    level_now, summary_now, previous = compute_release_change(src, policy, eff)
    rel = record_release(src, policy, eff, today, backfill=backfill, level=level, justification=justification,
                         summary=summary, allow_stale=allow_stale_translations, allow_unchanged=allow_unchanged,
                         computed=(level_now, summary_now), previous=previous)
    click.echo(f"Recorded {policy} version {rel.key} ({rel.level}"
               + (f", computed {rel.computed_level}" if rel.computed_level != rel.level else "") + ") in "
               f"{src}/{policy}/releases.yml.")
    click.echo("Commit releases.yml together with the text it records.")
    from .versions import read_ledger
    from .worktree import DirSource
    later = [r.key for r in read_ledger(DirSource(src), policy, []) if r.effective > eff]
    if later:
        click.echo(f"Note: version {later[0]} takes effect after this one and does not hold this change; "
                   f"to carry it forward, withdraw {later[0]} ('policygen release --policy {policy} --withdraw "
                   f"{later[0]} --justification ...') and release the combined text with a new date.")


def _withdraw(src, policy, when, today, justification):
    from .editing import withdraw_release
    from .history import Repository
    from .project import display_path
    from .versions import resolve_versions
    from .worktree import DirSource

    _check_policy(src, policy, work_tree=False)
    versions = resolve_versions(Repository(src), DirSource(src), policy, display_path(src))
    committed = any(v.effective == when and v.commit is not None for v in versions)
    got = withdraw_release(src, policy, when, today, justification, committed)
    if got is None:
        click.echo(f"Removed the uncommitted release {when} of {policy} from {src}/{policy}/releases.yml "
                   "(it was never committed, so there is nothing to record).")
    else:
        click.echo(f"Withdrew {policy} version {when}; the withdrawal is recorded in {src}/{policy}/releases.yml. "
                   "Commit it.")


@main.command()
@click.option("--policy", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@src_option
def versions(policy, fmt, src):
    """List the released versions of POLICY."""
    from .changes import version_rows

    _check_policy(src, policy, work_tree=False)
    rows = version_rows(src, policy)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no versions released yet")
    for r in rows:
        flag = " consent required" if r["consent_required"] else ""
        flag += "".join(f" {lg} lags (shows {key})" for lg, key in r["lagging"].items())
        click.echo(f"{r['effective']}  {r['level']:9}  {','.join(r['languages']):12} "
                   f"{(r['commit'] or 'uncommitted')[:10]}{flag}")


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--policy", required=True)
@click.option("--lang", help="Language (default: the source language).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "md", "docx"]), default="text",
              show_default=True, help="docx: a Word redline of NEW with every change as a tracked change.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (docx: default POLICY-OLD...NEW-LANG.docx).")
@src_option
def diff(old, new, policy, lang, fmt, output, src):
    """Show what changed between two versions: dates, current, latest, draft or git revisions."""
    from .changes import diff_command, diff_docx

    if _is_version_name(old) or _is_version_name(new):
        _check_policy(src, policy, work_tree="draft" in (old, new))
    if fmt == "docx":
        data, name = diff_docx(src, policy, old, new, lang)
        _write_output(output or name, data)
        return
    text = diff_command(src, policy, old, new, lang, fmt)
    if output:
        _write_output(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


def _write_output(path: str, data: bytes) -> None:
    from .worktree import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        raise PolicyError(f"cannot write: {exc.strerror}", path=path, hint="check the folder exists and is writable") from None
    click.echo(f"Wrote {path}", err=True)


@main.command()
@click.option("--policy", required=True)
@click.option("--version", "ref", default="current", show_default=True,
              help="A date YYYY-MM-DD, current, latest, draft or a git revision.")
@click.option("--lang", help="Language (default: the source language).")
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORTERS)), required=True,
              help="md, html, txt: one document that 'policygen import' reads back to the same clauses and "
                   "ids (md and html carry each clause's id); docx: a clean Word document, effective date and "
                   "content hash in the footer.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: POLICY-VERSION-LANG.EXT).")
@src_option
def export(policy, ref, lang, fmt, output, src):
    """The whole policy, one version in one language, as one document."""
    from .export import export_document

    if _is_version_name(ref):
        _check_policy(src, policy, work_tree=ref == "draft")
    data, name = export_document(src, policy, ref, lang, fmt)
    _write_output(output or name, data)


@main.command()
@click.option("--policy", required=True)
@click.option("--version", "ref", default="current", show_default=True,
              help="A date YYYY-MM-DD, current, latest, draft or a git revision.")
@click.option("--lang", help="Language (default: the source language).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@src_option
def summary(policy, ref, lang, fmt, src):
    """Data-practices summary of one version, built from the clauses' front matter."""
    from .changes import resolve
    from .summary import build_summary, summary_markdown, summary_text

    got = resolve(src, policy, ref)
    lang = lang or got.manifest.source_lang
    if got.texts.get(lang) is None:
        raise PolicyError(f"version {got.ref} of {policy!r} has no {lang!r} text",
                          hint="languages: " + ", ".join(got.texts))
    result = build_summary(got.texts[lang], extra={
        "ref": got.ref, "effective": got.effective.isoformat() if got.effective else None})
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary_markdown(result) if fmt == "md" else summary_text(result), nl=False)


@main.command()
@click.option("--policy", "policies", multiple=True, help="Policy to check (repeatable; default: all).")
@click.option("--base", help="Git revision the change is based on (in a pull request: the base branch); "
                             "releases not in its ledger are new. Default: uncommitted releases.")
@click.option("--allow-backfill", is_flag=True, help="Accept new notice/consent releases already in force.")
@click.option("--today", "today_s", help="Judge notice periods as of this date (default: today).")
@src_option
def gate(policies, base, allow_backfill, today_s, src):
    """Release gate for pull requests: exit 1 when the draft has a notice/consent-level
    change that no release with a lawful effective date covers."""
    from .gate import policies_to_gate, release_gate
    from .project import build_date

    today = build_date(today_s)
    failed = False
    for policy in policies_to_gate(src, policies):
        _require_policy(src, policy)
        result = release_gate(src, policy, today, base=base, allow_backfill=allow_backfill)
        for note in result.notes:
            click.echo(f"{policy}: {note}")
        for problem in result.problems:
            click.echo(problem.format() if isinstance(problem, Finding) else f"gate: error: {problem}", err=True)
        failed = failed or not result.ok
        click.echo(f"{policy}: {'ok' if result.ok else 'FAILED'}")
    if failed:
        sys.exit(1)


@main.command()
@click.option("--site", "site_dir", default="site", show_default=True, type=click.Path(file_okay=False),
              help="The built site.")
@click.option("--to", "target", required=True, help="Web root folder (or a symbolic link to one) to replace.")
@click.option("--force", is_flag=True, help="Replace TARGET even if it holds something else than a policygen site.")
def deploy(site_dir, target, force):
    """Copy a built site to a web root atomically (copied next to it, then swapped in)."""
    from .deploy import deploy as do_deploy

    how = do_deploy(site_dir, target, force=force)
    click.echo(f"Deployed {site_dir}/ to {target} ({how})", err=True)


if __name__ == "__main__":
    main()

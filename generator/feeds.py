"""Machine-readable outputs: /changes.json for consent platforms and an Atom feed per
policy and language. Pure and deterministic: dates come from the versions, not the clock."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from . import i18n
from .notice import notice_strings
from .site import SiteBuilder


def changes_json(builder: SiteBuilder, site_url: str = "") -> str:
    policies = []
    for p in builder.policies:
        m = p.manifest
        cur = None
        rows = []
        prev = None
        for v in p.versions:
            r = v.release
            if v.effective <= builder.today:
                cur = v.key
            compare = {lg: builder.absolute(site_url, builder.url(lg, m.id, f"compare/{prev.key}...{v.key}"))
                       for lg in v.texts if prev is not None and lg in prev.texts}
            rows.append({
                "effective": v.key, "level": r.level, "computed_level": r.computed_level or r.level,
                "justification": r.justification, "consent_required": r.level == "consent",
                "notice_required": r.level in ("notice", "consent"),
                "summary": r.summary or builder.change_summary(p, m.source_lang, prev, v),
                "languages": list(v.texts), "content_hashes": dict(r.hashes),
                "urls": {lg: builder.absolute(site_url, builder.url(lg, m.id, v.key)) for lg in v.texts},
                "compare_urls": compare, "previous": prev.key if prev else None,
                **({"lagging": dict(r.lagging)} if r.lagging else {}),
                # for notice.js: the date as each language writes it
                "effective_text": {lg: i18n.format_day(v.effective, lg) for lg in m.languages},
            })
            prev = v
        policies.append({"policy": m.id, "title": dict(m.titles), "languages": list(m.languages),
                         "notice_days": m.notice_days, "current": cur,
                         "upcoming": [v.key for v in p.versions if v.effective > builder.today],
                         "versions": rows})
    doc = {"generator": "policygen", "build_date": builder.today.isoformat(), "policies": policies,
           "notice_strings": notice_strings(builder.languages())}
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def atom_feed(builder: SiteBuilder, p, lang: str, site_url: str = "") -> str:
    m = p.manifest
    versions = [v for v in p.versions if lang in v.texts]
    updated = (versions[-1].key if versions else "1970-01-01") + "T00:00:00Z"
    base = builder.url(lang, m.id)
    feed_id = builder.absolute(site_url, base) if site_url else f"tag:policygen,2000:{m.id}/{lang}"
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(lang)}>',
           f"  <title>{escape(m.title(lang))}: {escape(i18n.t(lang, 'versions'))}</title>",
           f"  <id>{escape(feed_id)}</id>",
           f"  <updated>{updated}</updated>",
           f"  <author><name>{escape((m.entity or {}).get('name') or m.id)}</name></author>",
           f'  <link rel="self" href={quoteattr(builder.absolute(site_url, base + "feed.xml") if site_url else "feed.xml")}/>',
           f'  <link rel="alternate" href={quoteattr(builder.absolute(site_url, base) if site_url else "./")}/>']
    for i, v in enumerate(versions):
        prev = versions[i - 1] if i > 0 else None
        r = v.release
        link = builder.absolute(site_url, builder.url(lang, m.id, v.key)) if site_url else f"{v.key}/"
        entry_id = link if site_url else f"tag:policygen,2000:{m.id}/{lang}/{v.key}"
        title = f"{i18n.format_day(v.effective, lang)}: {i18n.t(lang, 'level_' + r.level)}"
        summary = r.summary or builder.change_summary(p, lang, prev, v)
        entry = ["  <entry>", f"    <title>{escape(title)}</title>", f"    <id>{escape(entry_id)}</id>",
                 f"    <updated>{v.key}T00:00:00Z</updated>", f"    <published>{v.key}T00:00:00Z</published>",
                 f'    <link rel="alternate" href={quoteattr(link)}/>']
        if prev is not None:
            cmp = builder.url(lang, m.id, f"compare/{prev.key}...{v.key}")
            entry.append(f'    <link rel="related" href={quoteattr(builder.absolute(site_url, cmp) if site_url else "compare/" + prev.key + "..." + v.key + "/")}/>')
        entry.append(f'    <category term={quoteattr(r.level)}/>')
        entry.append(f"    <summary>{escape(summary)}</summary>")
        entry.append("  </entry>")
        out.extend(entry)
    out.append("</feed>")
    # newest first, as feed readers expect
    head = out[:8]
    entries = "\n".join(out[8:-1]).split("  <entry>")
    entries = [e for e in entries if e.strip()]
    body = ["  <entry>" + e.rstrip("\n") for e in reversed(entries)]
    return "\n".join(head + body + ["</feed>"]) + "\n"

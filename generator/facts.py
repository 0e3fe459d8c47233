"""Structured front matter as comparable items: every fact becomes {label: attributes}.

Editors may write a fact as a string, a list of strings or a list of mappings; the
classifier, the diff and the summary all see the same normalised shape.
"""

from __future__ import annotations

from .model import canonical_json

# The first of these keys an item has names it ("country" before "purpose": a transfer is
# known by where the data goes).
LABEL_KEYS = ("name", "country", "category", "right", "email", "phone", "url", "address",
              "method", "measure", "period", "basis", "type", "purpose", "value")
SENSITIVE_WORDS = ("biometric", "health", "medical", "genetic", "precise location", "id card", "identity card",
                   "passport", "financial account", "bank", "religio", "sexual", "ethnic", "political",
                   "trade union", "criminal", "minor", "children", "生物识别", "健康", "医疗", "身份证", "精确位置",
                   "行踪", "金融账户", "宗教", "未成年", "儿童")


def _label(item) -> str:
    if isinstance(item, dict):
        for k in LABEL_KEYS:
            if item.get(k) not in (None, ""):
                return str(item[k])
        return canonical_json(item)
    return str(item)


def fact_items(value) -> dict:
    """Normalise one fact's value to {label: attrs}."""
    if value is None or value is False:
        return {}
    if value is True:
        return {"yes": {}}
    if isinstance(value, list):
        out = {}
        for item in value:
            out[_label(item)] = dict(item) if isinstance(item, dict) else {}
        return out
    if isinstance(value, dict):
        return {_label(value): dict(value)}
    return {str(value): {}}


def is_sensitive(label: str, attrs: dict) -> bool:
    if "sensitive" in attrs:
        return bool(attrs["sensitive"])
    low = label.lower()
    return any(w in low for w in SENSITIVE_WORDS)


def fact_changes(old: dict, new: dict) -> list[dict]:
    """Per fact key: added, removed and changed items, in a stable order."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = fact_items(old.get(key)), fact_items(new.get(key))
        added = [(k, b[k]) for k in b if k not in a]
        removed = [(k, a[k]) for k in a if k not in b]
        changed = [(k, a[k], b[k]) for k in b if k in a and canonical_json(a[k]) != canonical_json(b[k])]
        if added or removed or changed:
            out.append({"fact": key, "added": added, "removed": removed, "changed": changed})
    return out

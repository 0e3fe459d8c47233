"""The classifier, table-driven: every row of the DESIGN.md change-level table, under each regime.

Each case builds real model values (Manifest, Clause, PolicyText), diffs them with
diff_policy and classifies the diff. A case asserts the level, the rule that fired and
that the message names the evidence (the item's label, "(sensitive)", the regime...).
The text-only cases use sentences from the seed policies and edit them the way real
editorial or substantive commits do.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policygen.classify import RULES, classify
from policygen.diff import diff_policy
from policygen.model import Clause, Manifest, PolicyText

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"  # a copy of shared/seeds
GDPR, PIPL, CCPA = ("gdpr",), ("pipl",), ("ccpa",)

CONSENT_PROMISES = {"consent_on_change": ["purposes", "methods", "data_categories"],
                    "no_rights_reduction_without_consent": True}


# ---------------------------------------------------------------------------------------------- helpers

def manifest(regimes=GDPR, promises=None, entity=None, lang="en", clauses=("c",)):
    return Manifest(id="p", titles={lang: "Privacy Policy"}, languages=(lang,), clauses=tuple(clauses),
                    entity=entity or {"name": "Example Ltd"}, regimes=tuple(regimes), promises=promises or {})


def policy(m, clauses, lang="en"):
    return PolicyText(manifest=m, lang=lang, clauses=tuple(clauses))


def C(body="We process personal data as described here.", cid="c", title="Clause", **facts):
    return Clause(id=cid, title=title, body=body, facts=facts)


def run(old_clauses, new_clauses, regimes=GDPR, promises=None, lang="en", old_entity=None, new_entity=None):
    mo = manifest(regimes, promises, old_entity, lang)
    mn = manifest(regimes, promises, new_entity or old_entity, lang)
    d = diff_policy(policy(mo, old_clauses, lang), policy(mn, new_clauses, lang), lang)
    return classify(d, mn)


def reason(cls, rule):
    found = [r for r in cls.reasons if r.rule == rule]
    assert found, f"rule {rule!r} did not fire; reasons: {[(r.rule, r.level, r.message) for r in cls.reasons]}"
    return found[0]


def assert_flags(cls):
    assert cls.consent_required == (cls.level == "consent")
    assert cls.notice_required == (cls.level in ("notice", "consent"))


def text_change(old_body, new_body, regimes=GDPR, lang="en", context=()):
    """Classify an edit of one clause's body with no structured facts; other clauses give context."""
    others = [C(b, cid=f"ctx{i}") for i, b in enumerate(context)]
    return run([C(old_body), *others], [C(new_body), *others], regimes, lang=lang)


def seed(name):
    return next(SEEDS.glob(f"{name}*.txt")).read_text(encoding="utf-8")


def seed_line(name, startswith):
    """One paragraph of a seed policy, verbatim."""
    for line in seed(name).splitlines():
        if line.startswith(startswith):
            return line
    raise AssertionError(f"no line starting {startswith!r} in seed {name}")


# ---------------------------------------------------------------------------- fact rules x regimes
#
# (case id, regimes, old facts, new facts, level, rule, evidence the message must name, promises)

PURPOSES = ["Provide products and services", "Guarantee your safety"]
CATS = ["account data", "device information"]

FACT_CASES = [
    # new purpose: notice; consent under PIPL (art. 14) and where the strictest of several regimes is PIPL
    ("purpose-added-gdpr", GDPR, {"purposes": PURPOSES}, {"purposes": PURPOSES + ["Personalised advertising"]},
     "notice", "purpose-added", ["new purpose", "Personalised advertising", "under gdpr"], None),
    ("purpose-added-ccpa", CCPA, {"purposes": PURPOSES}, {"purposes": PURPOSES + ["Personalised advertising"]},
     "notice", "purpose-added", ["Personalised advertising"], None),
    ("purpose-added-pipl", PIPL, {"purposes": PURPOSES}, {"purposes": PURPOSES + ["Personalised advertising"]},
     "consent", "purpose-added", ["Personalised advertising", "under pipl"], None),
    ("purpose-added-gdpr+pipl", ("gdpr", "pipl"), {"purposes": PURPOSES},
     {"purposes": PURPOSES + ["Personalised advertising"]}, "consent", "purpose-added", ["under pipl"], None),
    ("purpose-added-promise", GDPR, {"purposes": PURPOSES}, {"purposes": PURPOSES + ["Market research"]},
     "consent", "purpose-added", ["Market research", "promises renewed consent"], CONSENT_PROMISES),
    ("purpose-added-zh-pipl", PIPL, {"purposes": ["提供产品和服务"]}, {"purposes": ["提供产品和服务", "个性化推荐"]},
     "consent", "purpose-added", ["个性化推荐"], None),

    # new processing method: notice; consent under PIPL or when promised
    ("method-added-gdpr", GDPR, {"methods": ["manual review"]}, {"methods": ["manual review", "data matching"]},
     "notice", "method-added", ["data matching"], None),
    ("method-added-pipl", PIPL, {"methods": ["manual review"]}, {"methods": ["manual review", "data matching"]},
     "consent", "method-added", ["data matching"], None),
    ("method-added-promise", GDPR, {"methods": ["manual review"]}, {"methods": ["manual review", "data matching"]},
     "consent", "method-added", ["data matching", "promises renewed consent"], CONSENT_PROMISES),

    # new (ordinary) data category
    ("category-added-gdpr", GDPR, {"data_categories": CATS}, {"data_categories": CATS + ["purchase history"]},
     "notice", "data-category-added", ["new data category", "purchase history"], None),
    ("category-added-ccpa", CCPA, {"data_categories": CATS}, {"data_categories": CATS + ["purchase history"]},
     "notice", "data-category-added", ["purchase history"], None),
    ("category-added-pipl", PIPL, {"data_categories": CATS}, {"data_categories": CATS + ["purchase history"]},
     "consent", "data-category-added", ["purchase history", "under pipl"], None),
    ("category-added-ccpa+gdpr", ("ccpa", "gdpr"), {"data_categories": CATS},
     {"data_categories": CATS + ["purchase history"]}, "notice", "data-category-added", ["purchase history"], None),
    ("category-added-promise", GDPR, {"data_categories": CATS}, {"data_categories": CATS + ["purchase history"]},
     "consent", "data-category-added", ["purchase history", "promises renewed consent"], CONSENT_PROMISES),

    # sensitive data: consent (GDPR art. 9, PIPL art. 29); CCPA: notice (right to limit)
    ("sensitive-flag-gdpr", GDPR, {"data_categories": CATS},
     {"data_categories": CATS + [{"category": "fingerprint template", "sensitive": True}]},
     "consent", "sensitive-data-added", ["fingerprint template (sensitive)"], None),
    ("sensitive-word-gdpr", GDPR, {"data_categories": CATS}, {"data_categories": CATS + ["health records"]},
     "consent", "sensitive-data-added", ["health records (sensitive)"], None),
    ("sensitive-pipl", PIPL, {"data_categories": CATS}, {"data_categories": CATS + ["precise location"]},
     "consent", "sensitive-data-added", ["precise location (sensitive)"], None),
    ("sensitive-ccpa", CCPA, {"data_categories": CATS}, {"data_categories": CATS + ["precise location"]},
     "notice", "sensitive-data-added", ["precise location (sensitive)", "under ccpa"], None),
    ("sensitive-ccpa+gdpr", ("ccpa", "gdpr"), {"data_categories": CATS},
     {"data_categories": CATS + ["precise location"]},
     "consent", "sensitive-data-added", ["precise location (sensitive)", "under gdpr"], None),
    ("sensitive-zh-pipl", PIPL, {"data_categories": ["账号信息"]}, {"data_categories": ["账号信息", "人脸生物识别信息"]},
     "consent", "sensitive-data-added", ["人脸生物识别信息 (sensitive)"], None),
    ("category-now-sensitive", GDPR, {"data_categories": [{"category": "device location", "sensitive": False}]},
     {"data_categories": [{"category": "device location", "sensitive": True}]},
     "consent", "data-category-now-sensitive", ["device location (sensitive)"], None),

    # longer retention: notice; shorter: minor (narrows processing)
    ("retention-longer-gdpr", GDPR, {"retention": "6 months"}, {"retention": "2 years"},
     "notice", "retention-longer", ["6 months -> 2 years"], None),
    ("retention-longer-pipl-zh", PIPL, {"retention": "6个月"}, {"retention": "3年"},
     "notice", "retention-longer", ["6个月 -> 3年"], None),
    ("retention-shorter-gdpr", GDPR, {"retention": "2 years"}, {"retention": "90 days"},
     "minor", "retention-shorter", ["2 years -> 90 days"], None),

    # rights narrowed (notice; consent where the policy promises not to) or exercised differently
    ("right-removed-gdpr", GDPR, {"rights": ["access", "erasure", "data portability"]},
     {"rights": ["access", "erasure"]}, "notice", "right-removed", ["data portability"], None),
    ("right-removed-ccpa", CCPA, {"rights": ["know", "delete", "opt out of sale"]}, {"rights": ["know", "delete"]},
     "notice", "right-removed", ["opt out of sale"], None),
    ("right-removed-promise", GDPR, {"rights": ["access", "erasure", "data portability"]},
     {"rights": ["access", "erasure"]}, "consent", "right-removed", ["data portability", "promises renewed consent"],
     CONSENT_PROMISES),
    ("right-removed-promise-zh-pipl", PIPL, {"rights": ["查阅", "复制", "删除"]}, {"rights": ["查阅", "复制"]},
     "consent", "right-removed", ["删除"], CONSENT_PROMISES),
    ("right-exercised-differently", GDPR, {"rights": [{"right": "erasure", "method": "email"}]},
     {"rights": [{"right": "erasure", "method": "signed letter by post"}]},
     "notice", "right-exercise-changed", ["erasure"], None),
    ("right-added-gdpr", GDPR, {"rights": ["access"]}, {"rights": ["access", "data portability"]},
     "minor", "right-added", ["data portability"], None),
    ("right-added-pipl", PIPL, {"rights": ["查阅"]}, {"rights": ["查阅", "可携带"]},
     "minor", "right-added", ["可携带"], CONSENT_PROMISES),

    # new contact / complaint channel
    ("contact-added", GDPR, {"contacts": [{"email": "info@st-one.cn"}]},
     {"contacts": [{"email": "info@st-one.cn"}, {"url": "https://example.com/privacy-request"}]},
     "notice", "contact-added", ["https://example.com/privacy-request"], None),
    ("contact-changed-pipl", PIPL, {"contacts": [{"email": "info@st-one.cn", "hours": "9-17"}]},
     {"contacts": [{"email": "info@st-one.cn", "hours": "10-12"}]},
     "notice", "contact-changed", ["info@st-one.cn"], None),

    # weaker security: notice; a stronger one: minor
    ("security-removed", GDPR, {"security": ["encryption at rest", "access control"]}, {"security": ["access control"]},
     "notice", "security-weakened", ["encryption at rest"], None),
    ("security-added", GDPR, {"security": ["access control"]}, {"security": ["access control", "encryption at rest"]},
     "minor", "security-added", ["encryption at rest"], None),

    # profiling: notice; significant automated decisions: consent (GDPR art. 22, PIPL art. 24), CCPA notice
    ("profiling-gdpr", GDPR, {}, {"automated_decisions": [{"type": "interest profile for recommendations"}]},
     "notice", "profiling-added", ["interest profile for recommendations"], None),
    ("automated-significant-gdpr", GDPR, {},
     {"automated_decisions": [{"name": "automated credit scoring", "significant": True}]},
     "consent", "automated-significant", ["automated credit scoring"], None),
    ("automated-significant-legal-effect-pipl", PIPL, {},
     {"automated_decisions": [{"name": "自动化审核贷款申请", "legal_effect": True}]},
     "consent", "automated-significant", ["自动化审核贷款申请"], None),
    ("automated-significant-ccpa", CCPA, {},
     {"automated_decisions": [{"name": "automated credit scoring", "significant": True}]},
     "notice", "automated-significant", ["automated credit scoring"], None),

    # new transfer destination: notice under GDPR, consent under PIPL (art. 39)
    ("transfer-added-gdpr", GDPR, {"transfers": ["Germany"]}, {"transfers": ["Germany", "Singapore"]},
     "notice", "transfer-added", ["Singapore", "under gdpr"], None),
    ("transfer-added-ccpa", CCPA, {"transfers": ["Germany"]}, {"transfers": ["Germany", "Singapore"]},
     "notice", "transfer-added", ["Singapore"], None),
    ("transfer-added-pipl", PIPL, {"transfers": [{"country": "Germany"}]},
     {"transfers": [{"country": "Germany"}, {"country": "Singapore"}]},
     "consent", "transfer-added", ["Singapore", "under pipl"], None),
    ("transfer-added-gdpr+pipl", ("gdpr", "pipl"), {"transfers": ["Germany"]}, {"transfers": ["Germany", "Singapore"]},
     "consent", "transfer-added", ["Singapore", "under pipl"], None),
    ("transfer-added-zh-pipl", PIPL, {}, {"transfers": [{"country": "新加坡", "recipient": "集团子公司"}]},
     "consent", "transfer-added", ["新加坡"], None),
    ("transfer-changed-pipl", PIPL, {"transfers": [{"country": "Germany", "safeguard": "standard contract"}]},
     {"transfers": [{"country": "Germany", "safeguard": "certification"}]},
     "consent", "transfer-changed", ["Germany"], None),

    # consent basis replaced
    ("consent-basis-replaced-gdpr", GDPR, {"legal_bases": ["consent", "contract"]},
     {"legal_bases": ["legitimate interests", "contract"]}, "consent", "consent-basis-replaced", ["consent"], None),
    ("consent-basis-replaced-ccpa", CCPA, {"legal_bases": ["consent"]}, {"legal_bases": ["legitimate interests"]},
     "consent", "consent-basis-replaced", ["consent"], None),
    ("consent-basis-replaced-zh", PIPL, {"legal_bases": ["个人同意"]}, {"legal_bases": ["履行合同所必需"]},
     "consent", "consent-basis-replaced", ["个人同意"], None),
    ("legal-basis-added", GDPR, {"legal_bases": ["contract"]}, {"legal_bases": ["contract", "legitimate interests"]},
     "notice", "legal-basis-added", ["legitimate interests"], None),

    # sharing with a new third-party controller: consent (PIPL art. 23); CCPA notice; a processor: notice
    ("controller-sharing-gdpr", GDPR, {}, {"recipients": [{"name": "advertising partners", "role": "controller"}]},
     "consent", "controller-recipient-added", ["advertising partners"], None),
    ("controller-sharing-pipl-zh", PIPL, {}, {"recipients": [{"name": "广告合作伙伴", "role": "third-party controller"}]},
     "consent", "controller-recipient-added", ["广告合作伙伴"], None),
    ("controller-sharing-ccpa", CCPA, {}, {"recipients": [{"name": "advertising partners", "role": "controller"}]},
     "notice", "controller-recipient-added", ["advertising partners"], None),
    ("processor-added", GDPR, {}, {"recipients": [{"name": "cloud hosting provider", "role": "processor"}]},
     "notice", "processor-added", ["cloud hosting provider"], None),
    ("recipient-role-changed", GDPR, {"recipients": [{"name": "analytics vendor", "role": "processor"}]},
     {"recipients": [{"name": "analytics vendor", "role": "controller"}]},
     "notice", "recipient-role-changed", ["analytics vendor"], None),

    # children's data newly processed: consent everywhere (COPPA, PIPL art. 31)
    ("children-gdpr", GDPR, {}, {"children": [{"name": "users under 16", "collects": True}]},
     "consent", "children-collected", ["users under 16"], None),
    ("children-ccpa", CCPA, {}, {"children": "collected"}, "consent", "children-collected", ["collected"], None),
    ("children-pipl-zh", PIPL, {}, {"children": [{"name": "不满十四周岁的儿童", "collects": True}]},
     "consent", "children-collected", ["不满十四周岁的儿童"], None),
    ("children-terms-only", GDPR, {}, {"children": [{"name": "parental verification", "collects": False}]},
     "notice", "children-changed", ["parental verification"], None),

    # non-essential cookies: consent (ePrivacy art. 5(3)); CCPA notice; strictly necessary: minor
    ("cookie-nonessential-gdpr", GDPR, {}, {"cookies": [{"name": "_ga", "type": "analytics"}]},
     "consent", "cookie-nonessential-added", ["_ga"], None),
    ("cookie-nonessential-pipl", PIPL, {}, {"cookies": [{"name": "ad_id", "type": "advertising"}]},
     "consent", "cookie-nonessential-added", ["ad_id"], None),
    ("cookie-nonessential-ccpa", CCPA, {}, {"cookies": [{"name": "_ga", "type": "analytics"}]},
     "notice", "cookie-nonessential-added", ["_ga"], None),
    ("cookie-essential", GDPR, {}, {"cookies": [{"name": "session", "type": "strictly necessary"}]},
     "minor", "cookie-essential-added", ["session"], None),

    # a change that only narrows processing is minor, whatever the regime
    ("purpose-removed-pipl", PIPL, {"purposes": PURPOSES}, {"purposes": PURPOSES[:1]},
     "minor", "purpose-removed", ["Guarantee your safety"], CONSENT_PROMISES),
    ("category-removed-gdpr", GDPR, {"data_categories": CATS}, {"data_categories": CATS[:1]},
     "minor", "data-category-removed", ["device information"], CONSENT_PROMISES),
    ("transfer-removed-pipl", PIPL, {"transfers": ["Germany", "Singapore"]}, {"transfers": ["Germany"]},
     "minor", "transfer-removed", ["Singapore"], None),
    ("recipient-removed-ccpa", CCPA, {"recipients": [{"name": "data broker", "role": "controller"}]}, {},
     "minor", "recipient-removed", ["data broker"], None),
    ("automated-removed", GDPR, {"automated_decisions": ["interest profiling"]}, {},
     "minor", "automated-removed", ["interest profiling"], None),
    ("cookie-removed", GDPR, {"cookies": [{"name": "_ga", "type": "analytics"}]}, {},
     "minor", "cookie-removed", ["_ga"], None),
]


@pytest.mark.parametrize("regimes, old, new, level, rule, evidence, promises",
                         [pytest.param(*c[1:], id=c[0]) for c in FACT_CASES])
def test_fact_rules(regimes, old, new, level, rule, evidence, promises):
    body = "We process personal data as described here."
    cls = run([C(body, **old)], [C(body, **new)], regimes, promises)
    r = reason(cls, rule)
    assert r.level == level, r.message
    for ev in evidence:
        assert ev in r.message, f"{ev!r} not in {r.message!r}"
    assert r.clause == "c"
    assert cls.clause_levels["c"] == level
    assert cls.level == level
    assert_flags(cls)


def test_every_rule_in_the_table_is_exercised():
    covered = {c[5] for c in FACT_CASES} | {"controller-identity-changed"}
    missing = {r.id for r in RULES} - covered
    # Retention "changed" (no comparable period), legal basis / purpose / method / category / security
    # removals and the contact/children removals share the fact machinery tested above.
    assert missing <= {"retention-changed", "legal-basis-removed", "method-removed", "contact-removed",
                       "children-removed"}, missing


# ------------------------------------------------------------------------ new controller identity

@pytest.mark.parametrize("regimes", [GDPR, PIPL, CCPA, ("ccpa", "pipl")], ids=lambda r: "+".join(r))
def test_new_controller_identity_is_notice(regimes):
    body = "We process personal data as described here."
    cls = run([C(body)], [C(body)], regimes, old_entity={"name": "Chint New Energy Technology Co., Ltd."},
              new_entity={"name": "Astronergy Solar Europe GmbH"})
    r = reason(cls, "controller-identity-changed")
    assert r.level == "notice" and cls.level == "notice"
    assert "Astronergy Solar Europe GmbH" in r.message
    assert r.clause == "policy.yml"
    assert cls.notice_required and not cls.consent_required


def test_same_controller_is_not_a_change():
    body = "We process personal data as described here."
    e = {"name": "Chint New Energy Technology Co., Ltd."}
    cls = run([C(body)], [C(body)], GDPR, old_entity=e, new_entity=dict(e))
    assert cls.level == "editorial" and not cls.reasons


# ------------------------------------------------------------------ promises raise changes to consent

@pytest.mark.parametrize("fact, old, new, rule", [
    ("purposes", ["Provide products and services"], ["Provide products and services", "Survey invitations"],
     "purpose-added"),
    ("methods", ["manual review"], ["manual review", "automated matching"], "method-added"),
    ("data_categories", ["account data"], ["account data", "IP address"], "data-category-added"),
    ("rights", ["access", "object"], ["access"], "right-removed"),
])
def test_promises_raise_to_consent(fact, old, new, rule):
    body = "We process personal data as described here."
    without = run([C(body, **{fact: old})], [C(body, **{fact: new})], GDPR)
    assert reason(without, rule).level == "notice"
    with_promise = run([C(body, **{fact: old})], [C(body, **{fact: new})], GDPR, CONSENT_PROMISES)
    r = reason(with_promise, rule)
    assert r.level == "consent" and with_promise.consent_required
    assert "promises renewed consent" in r.message


def test_rights_promise_alone():
    body = "We respect your rights."
    cls = run([C(body, rights=["access", "object"])], [C(body, rights=["access"])], GDPR,
              {"no_rights_reduction_without_consent": True})
    assert reason(cls, "right-removed").level == "consent"
    # A promise about purposes does not cover rights.
    cls = run([C(body, rights=["access", "object"])], [C(body, rights=["access"])], GDPR,
              {"consent_on_change": ["purposes"]})
    assert reason(cls, "right-removed").level == "notice"


def test_promises_do_not_raise_narrowing_or_added_rights():
    body = "We process personal data as described here."
    cls = run([C(body, purposes=["a purpose", "b purpose"], rights=["access"])],
              [C(body, purposes=["a purpose"], rights=["access", "object"])], GDPR, CONSENT_PROMISES)
    assert cls.level == "minor"
    assert {r.rule for r in cls.reasons} == {"purpose-removed", "right-added"}


# ---------------------------------------------------------------- policy level = highest clause level

def test_policy_level_is_highest_clause_level():
    old = [C("Intro text.", cid="intro"), C("We keep data.", cid="keep", retention="1 year"),
           C("Cookies text.", cid="cookies"), C("Our purposes.", cid="purposes", purposes=["support"])]
    new = [C("Intro text, clarified for readers.", cid="intro"), C("We keep data.", cid="keep", retention="2 years"),
           C("Cookies text.", cid="cookies", cookies=[{"name": "_ga", "type": "analytics"}]),
           C("Our purposes.", cid="purposes", purposes=["support"])]
    cls = run(old, new, GDPR)
    assert cls.clause_levels == {"intro": "minor", "keep": "notice", "cookies": "consent", "purposes": "editorial"}
    assert cls.level == "consent" and cls.consent_required and cls.notice_required
    assert [r.level for r in cls.reasons] == sorted((r.level for r in cls.reasons),
                                                    key=["consent", "notice", "minor", "editorial"].index)
    d = cls.as_dict()
    assert d["level"] == "consent" and d["consent_required"] is True and d["notice_required"] is True
    assert {r["clause"] for r in d["reasons"]} == {"intro", "keep", "cookies"}


@pytest.mark.parametrize("new_bodies, level, consent, notice", [
    (["A.", "B."], "editorial", False, False),
    (["A. ", "B."], "editorial", False, False),
    (["A, in short.", "B."], "minor", False, False),
    (["A, in short.", "B. We may share your data with advertisers."], "notice", False, True),
])
def test_flags(new_bodies, level, consent, notice):
    old = [C("A.", cid="a"), C("B.", cid="b")]
    new = [C(new_bodies[0], cid="a"), C(new_bodies[1], cid="b")]
    cls = run(old, new, GDPR)
    assert (cls.level, cls.consent_required, cls.notice_required) == (level, consent, notice)


def test_strictest_regime_wins_across_clauses():
    old = [C("x", cid="t", transfers=["Germany"]), C("y", cid="d", data_categories=["account data"])]
    new = [C("x", cid="t", transfers=["Germany", "Japan"]),
           C("y", cid="d", data_categories=["account data", "precise location"])]
    assert run(old, new, CCPA).level == "notice"
    assert run(old, new, GDPR).level == "consent"  # sensitive data
    cls = run(old, new, ("gdpr", "pipl"))
    assert cls.clause_levels == {"t": "consent", "d": "consent"}


def test_added_and_removed_clauses():
    old = [C("Intro.", cid="intro"), C("You may ask us to delete your data.", cid="rights")]
    new = [C("Intro.", cid="intro"), C("We may share your data with our partners.", cid="sharing")]
    cls = run(old, new, GDPR)
    assert cls.clause_levels["rights"] == "notice"  # a removed clause that granted rights
    assert cls.clause_levels["sharing"] == "notice"
    assert "'delete'" in reason(cls, "text-clause-removed").message
    assert "we may share" in reason(cls, "text-new-clause").message.lower()
    plain = run([C("Intro.", cid="intro")], [C("Intro.", cid="intro"), C("About this page.", cid="about")], GDPR)
    assert plain.level == "minor"


def test_moved_clause_is_editorial():
    a, b = C("A text.", cid="a"), C("B text.", cid="b")
    cls = run([a, b], [b, a], GDPR)
    assert cls.level == "editorial"
    assert {r.rule for r in cls.reasons} == {"moved"}


# ----------------------------------------------------------------------- text-only heuristics

EN = ("We may collect your personal information when you use our products or services. "
      "We will use it only for the purposes described in this Policy.")
ZH = "我们会在您使用产品或服务时收集您的个人信息，并仅用于本政策所述目的。"

TEXT_CASES = [
    # editorial
    ("line-wrap", EN, EN.replace("services. We", "services.\nWe"), "editorial", "formatting", ["formatting"]),
    ("double-space", EN, EN.replace("personal information", "personal  information"),
     "editorial", "formatting", ["whitespace"]),
    ("trailing-newline", EN, EN + "\n", "editorial", "formatting", ["whitespace"]),
    ("punctuation-only", EN, EN.replace(" or services", ", or services").replace("Policy.", "Policy;"),
     "editorial", "punctuation", ["punctuation"]),
    ("capitalisation-only", EN, EN.replace("personal information", "Personal Information"),
     "editorial", "capitalisation", ["capitalisation"]),
    ("bold-only", EN, EN.replace("only", "**only**"), "editorial", "formatting", ["formatting"]),
    ("link-target-md", "Read our [cookie notice](http://example.com/cookies).",
     "Read our [cookie notice](https://example.com/cookie-notice).", "editorial", "link-target",
     ["link target", "http://example.com/cookies -> https://example.com/cookie-notice"]),
    ("link-text-kept", "Read our [cookie notice](https://example.com/cookies).",
     "Read our [privacy notice](https://example.com/cookies).", "minor", "text-clarification", ["wording"]),
    ("link-target-autolink", "See <http://example.com/privacy> for details.",
     "See <https://example.com/privacy> for details.", "editorial", "link-target", ["link target"]),
    ("link-bare-url", "published on our website (http://example.com/privacy).",
     "published on our website (https://www.example.com/privacy).", "editorial", "link-target",
     ["https://www.example.com/privacy"]),
    ("link-other-site", "Opt out at [our opt-out page](https://example.com/opt-out).",
     "Opt out at [our opt-out page](https://adpartner.example.net/opt-out).", "minor", "link-changed",
     ["adpartner.example.net"]),
    ("numbering-only", "(1) Provide products and services;\n(2) Meet your customized requirements;",
     "(1) Provide products and services;\n(3) Meet your customized requirements;",
     "editorial", "numbering", ["numbering"]),
    ("numbering-roman", "IV. How We Share Your Personal Data", "V. How We Share Your Personal Data",
     "editorial", "numbering", ["numbering"]),
    ("spelling-emial", "you can choose to cancel your account via emial.",
     "you can choose to cancel your account via email.", "editorial", "spelling", ["spelling"]),
    ("placeholder-fill", "you can contact us by email (, and we will promptly stop.",
     "you can contact us by email (privacy@example.com), and we will promptly stop.",
     "editorial", "placeholder-fix", ["placeholder"]),
    ("zh-punctuation", ZH, ZH.replace("，", ",").replace("。", "."), "editorial", "punctuation", ["punctuation"]),
    ("zh-whitespace", ZH, ZH.replace("，", "，\n"), "editorial", "whitespace", ["whitespace"]),
    ("zh-numbering", "（1）提供产品和服务；\n（2）改进服务；", "（1）提供产品和服务；\n（3）改进服务；",
     "editorial", "numbering", ["numbering"]),

    # minor: a clarification with no trigger words
    ("clarification", EN, EN.replace("in this Policy", "in this Policy and nowhere else"),
     "minor", "text-clarification", ["wording changed"]),
    ("clarification-sentence", EN, EN + " Please read it carefully.", "minor", "text-clarification",
     ["wording changed"]),
    ("zh-clarification", ZH, ZH.replace("。", "，请您仔细阅读。"), "minor", "text-clarification", ["wording changed"]),
    ("word-swap-not-typo", "We will reply within a reasonable time.", "We will reply within a short time.",
     "minor", "text-clarification", ["wording changed"]),

    # notice: new wording about sharing, transfers, retention, selling, automation, children
    ("we-may-share", EN, EN + " We may share your contact details with our distributors.",
     "notice", "text-ambiguous", ["'We may share'"]),
    ("transfer", EN, EN + " Your data may be transferred to our headquarters.",
     "notice", "text-ambiguous", ["'transferred'"]),
    ("retain", EN, EN + " We retain backups for as long as necessary.", "notice", "text-ambiguous", ["'retain'"]),
    ("sell", EN, EN + " We do not sell your data except to our successors.", "notice", "text-ambiguous", ["'sell'"]),
    ("automated", EN, EN + " Some decisions are automated.", "notice", "text-ambiguous", ["'automated'"]),
    ("children", EN, EN + " Our apps may be used by children.", "notice", "text-ambiguous", ["'children'"]),
    ("period-changed", "We will reply within 30 days.", "We will reply within 15 days.",
     "notice", "text-period-changed", ["30 -> 15 days"]),
    ("rights-word-deleted", "You may object to or withdraw your consent at any time.",
     "You may contact us at any time.", "notice", "text-ambiguous", ["object"]),
    ("zh-share", ZH, ZH + "我们可能与合作伙伴共享您的设备信息。", "notice", "text-ambiguous", ["共享"]),
    ("zh-outbound", ZH, ZH + "您的个人信息可能出境至新加坡。", "notice", "text-ambiguous", ["出境"]),
    ("zh-children", ZH, ZH + "我们的服务也面向儿童。", "notice", "text-ambiguous", ["儿童"]),
    ("negation-deleted", "We will not sell your account data.", "We will sell your account data.",
     "notice", "text-negation", ["'not'", "deleted"]),
    ("negation-only", "We do not use your data for research.", "We use your data for research.",
     "notice", "text-negation", ["'not'"]),
    ("exception-added", "We delete your data on request.", "We delete your data on request unless we decide otherwise.",
     "notice", "text-negation", ["'unless'"]),
    ("zh-negation", "我们不会将您的信息用于研究。", "我们会将您的信息用于研究。", "notice", "text-negation", ["不"]),
    ("new-email-in-text", "Please send an email to info@example.com.", "Please send an email to info@example.org.",
     "notice", "text-contact-detail", ["info@example.org"]),
    ("security-wording-deleted", "We encrypt your data and keep it on our servers.", "We keep your data on our servers.",
     "notice", "text-ambiguous", ["encrypt"]),
    ("zh-retention-period", "我们将在6个月内删除您的个人信息。", "我们将在12个月内删除您的个人信息。",
     "notice", "text-period-changed", ["6 -> 12 个月"]),
]


@pytest.mark.parametrize("old, new, level, rule, evidence", [pytest.param(*c[1:], id=c[0]) for c in TEXT_CASES])
def test_text_heuristics(old, new, level, rule, evidence):
    cls = text_change(old, new)
    assert cls.level == level, [(r.rule, r.level, r.message) for r in cls.reasons]
    r = reason(cls, rule)
    assert r.level == level
    for ev in evidence:
        assert ev.lower() in r.message.lower(), f"{ev!r} not in {r.message!r}"
    assert_flags(cls)


@pytest.mark.parametrize("old, new", [
    ("We use your data for support.", "We use your data for support and research."),
    ("我们将您的信息用于客户服务。", "我们将您的信息用于客户服务和研究。"),
    ("We keep a log.", "We keep a log of everything you do."),
    ("Processing: see above.", "Processing: see annex 3."),
    ("Contact us.", "Contact us (or don't)."),
])
def test_ambiguous_text_never_below_minor(old, new):
    assert text_change(old, new).level in ("minor", "notice", "consent")


def test_chinese_text_is_classified_in_chinese():
    cls = text_change(ZH, ZH + "我们可能与合作伙伴共享您的设备信息。", lang="zh-CN")
    r = reason(cls, "text-ambiguous")
    assert "共享" in r.text("zh-CN")


# ---------------------------------------------------------------- precision on the seed policies

AST = "astronergy"
STM = "st-machinery"


def _seed_cases():
    complain = seed_line(AST, "(7) Right to complain.")
    cancel = seed_line(AST, "(6) Right to cancel.")
    subscription = seed_line(AST, "(3) Subscription:")
    transfer = seed_line(AST, "If some products or services involve cross-border transfer")
    third = seed_line(AST, "Our websites, products, applications, and services may contain links")
    device = seed_line(AST, "(1)Device information:")
    keep = seed_line(AST, "1. The retention period of Personal Information")
    rights_intro = seed_line(AST, "We respect your rights to your Personal Information.")
    update = seed_line(STM, "We may update this Policy from time to time.")
    contact = seed_line(STM, "If you have any question about this Policy, or have any request")
    children = seed_line(STM, "Children's personal information needs special protection.")
    purposes_intro = seed_line(STM, "We may collect your personal information for the following purposes:")
    other_purposes = seed_line(STM, "When using your personal information for other purposes")
    assert "Policy.The" in complain and "emial (" in cancel and "by email (," in subscription
    url = "(https://stoneblowmoulding.com/)"
    # (id, old, new, level, rule, evidence)
    return [
        # editorial commits
        ("space-after-full-stop", complain, complain.replace("Policy.The", "Policy. The"),
         "editorial", "whitespace", ["whitespace"]),
        ("space-after-full-stop-transfer", transfer, transfer.replace("region.Wherever", "region. Wherever"),
         "editorial", "whitespace", ["whitespace"]),
        ("space-after-full-stop-third", third, third.replace("parties.We", "parties. We"),
         "editorial", "whitespace", ["whitespace"]),
        ("space-after-item-number", device, device.replace("(1)Device", "(1) Device"),
         "editorial", "whitespace", ["whitespace"]),
        ("nbsp", contact, contact.replace("info@st-one.cn \xa0in", "info@st-one.cn in"),
         "editorial", "formatting", ["whitespace"]),
        ("typo-emial", cancel, cancel.replace("emial", "email"), "editorial", "spelling", ["emial -> email"]),
        ("typo-query", contact.replace("query", "qeury"), contact, "editorial", "spelling", ["qeury -> query"]),
        ("capitalise", keep, keep.replace("Personal Information", "personal information"),
         "editorial", "capitalisation", ["capitalisation"]),
        ("placeholder-subscription", subscription,
         subscription.replace("by email (, and", "by email (privacy@astronergy.com), and"),
         "editorial", "placeholder-fix", ["privacy@astronergy.com"]),
        ("placeholder-complain", complain, complain.replace("by email (;", "by email (dpo@astronergy.com);"),
         "editorial", "placeholder-fix", ["dpo@astronergy.com"]),
        ("placeholder-and-typo", cancel, cancel.replace("via emial (", "via email (privacy@astronergy.com)"),
         "editorial", "placeholder-fix", ["emial -> email", "privacy@astronergy.com"]),
        ("link-www", update, update.replace(url, "(https://www.stoneblowmoulding.com/)"),
         "editorial", "link-target", ["https://www.stoneblowmoulding.com/"]),
        ("link-markdown", update, update.replace(url, "([stoneblowmoulding.com](https://stoneblowmoulding.com/))"),
         "editorial", "formatting", ["link markup"]),
        # minor: a clarification
        ("clarify-rights", rights_intro,
         rights_intro.replace("mainly include the following.", "mainly include the following, as listed below."),
         "minor", "text-clarification", ["wording changed"]),
        ("link-other-site", update, update.replace(url, "(https://st-machinery.example.net/)"),
         "minor", "link-changed", ["st-machinery.example.net"]),
        # substantive commits: notice or higher
        ("advertising-partners", device, device + " We may share your device information with advertising partners.",
         "notice", "text-ambiguous", ["We may share"]),
        ("sell", keep, keep + " We may sell aggregated usage data.", "notice", "text-ambiguous", ["sell"]),
        ("children", children, children.replace("will not intentionally collect", "may collect"),
         "notice", "text-negation", ["'not'"]),
        ("response-time", contact, contact.replace("within 30 days", "within 60 days"),
         "notice", "text-period-changed", ["30 -> 60 days"]),
        ("retention-longest", keep, keep.replace("shortest time necessary", "longest time permitted"),
         "notice", "text-ambiguous", ["retention"]),
        ("purposes-profiling", purposes_intro,
         purposes_intro.replace("purposes:", "purposes, including profiling for targeted advertising:"),
         "notice", "text-ambiguous", ["profiling"]),
        ("transfer-dropped-safeguard", transfer,
         transfer.replace("take every reasonable and necessary measure to ensure your data security, ", ""),
         "notice", "text-ambiguous", ["security"]),
        ("contact-email-changed", contact, contact.replace("info@st-one.cn", "privacy@st-one.cn"),
         "notice", "text-contact-detail", ["privacy@st-one.cn"]),
        ("consent-promise-dropped", other_purposes,
         other_purposes.replace("we will seek your prior consent", "we will inform you"),
         "notice", "text-ambiguous", ["consent"]),
    ]


@pytest.mark.parametrize("old, new, level, rule, evidence", [pytest.param(*c[1:], id=c[0]) for c in _seed_cases()])
def test_seed_precision(old, new, level, rule, evidence):
    assert old != new, "the edit did not apply"
    cls = text_change(old, new, context=[seed(AST), seed(STM)])
    assert cls.level == level, [(r.rule, r.level, r.message) for r in cls.reasons]
    r = reason(cls, rule)
    for ev in evidence:
        assert ev in r.message, f"{ev!r} not in {r.message!r}"
    assert_flags(cls)


# The Chinese translation of the same edits (the policies are published in zh-CN too).
ZH_SEED = ("我们收集的个人信息的保存期限为实现本政策所述目的所必需的最短时间，法律法规另有规定的除外。"
           "上述保存期限届满后，我们将删除您的个人信息或作匿名化处理。")


@pytest.mark.parametrize("new, level, rule, evidence", [
    pytest.param(ZH_SEED.replace("。上述", "。\n上述"), "editorial", "whitespace", ["whitespace"], id="zh-line-break"),
    pytest.param(ZH_SEED.replace("，法律", ",法律"), "editorial", "punctuation", ["punctuation"], id="zh-comma"),
    pytest.param(ZH_SEED.replace("最短", "最长"), "notice", "text-ambiguous", ["保存"], id="zh-shortest-longest"),
    pytest.param(ZH_SEED + "我们可能与广告合作伙伴共享您的设备信息。", "notice", "text-ambiguous", ["广告"],
                 id="zh-share-with-advertisers"),
    pytest.param(ZH_SEED.replace("所必需的最短时间", "所必需的最短时间（通常为六个月）"), "notice", "text-ambiguous", ["保存"],
                 id="zh-clarify-retention-sentence"),
    pytest.param(ZH_SEED + "如有疑问，请联系我们。", "minor", "text-clarification", ["wording changed"],
                 id="zh-plain-clarification"),
])
def test_zh_seed_precision(new, level, rule, evidence):
    cls = text_change(ZH_SEED, new, lang="zh-CN")
    assert cls.level == level, [(r.rule, r.level, r.message) for r in cls.reasons]
    r = reason(cls, rule)
    assert all(ev in r.message for ev in evidence), r.message
    assert_flags(cls)


def test_seed_fragment_with_typo_and_spacing_fixes_together():
    line = seed_line(AST, "(6) Right to cancel.")
    fixed = line.replace("emial", "email").replace("regulations.After", "regulations. After")
    assert fixed != line
    cls = text_change(line, fixed)
    assert cls.level == "editorial", [(r.rule, r.message) for r in cls.reasons]


def test_seed_sentence_mentioning_trigger_word_is_not_escalated_by_a_typo_fix():
    # The paragraph already speaks of transfers; fixing its spacing must not escalate.
    line = seed_line(AST, "If some products or services involve cross-border transfer")
    cls = text_change(line, line.replace("region.Wherever", "region. Wherever"))
    assert cls.level == "editorial"
    assert not re.search(r"transfer", " ".join(r.message for r in cls.reasons))


# ------------------------------------------- what a reader reads (issue 18): markup, links, typos

LIST = "We ask for your consent before we share data:\n\n- name\n- email\n"
TABLE = "| Data | Use |\n|---|---|\n| name | account |\n| email | login |\n"

# (id, old, new, level, rule, evidence in the message, fields that must hold)
READER_CASES = [
    ("html-comment", LIST, LIST.replace("- name", "<!-- markdownlint-disable MD004 -->\n- name")
     .replace("- email\n", "- email\n<!-- markdownlint-enable MD004 -->\n"),
     "editorial", "formatting", ["formatting only: HTML comment"], {"what": ["HTML comment"]}),
    ("heading-level", "### Feedback\n\nWe use feedback.\n", "## Feedback\n\nWe use feedback.\n",
     "editorial", "formatting", ["heading level"], {"what": ["heading level"]}),
    ("anchor-moved-into-cell", '| <a id="x"></a>Data | Use |\n|---|---|\n| name | account |\n',
     '| Data | Use |\n|---|---|\n| <a id="x"></a>name | account |\n', "editorial", "formatting", ["anchors and ids"], {}),
    ("attribute-list", "## Firefox accounts\n\nText.\n", "## Firefox accounts {: #firefox-accounts }\n\nText.\n",
     "editorial", "formatting", ["attribute list"], {}),
    ("list-markers", "- a\n- b\n", "* a\n* b\n", "editorial", "formatting", ["list markers"], {}),
    ("emphasis-markers", "We **never** sell.", "We __never__ sell.", "editorial", "formatting", ["emphasis markers"], {}),
    ("emphasis", "We **never** sell.", "We *never* sell.", "editorial", "formatting", ["emphasis"], {}),
    ("table-alignment", TABLE, TABLE.replace("|---|---|", "|:--|--:|"), "editorial", "formatting",
     ["table alignment"], {}),
    ("line-wrapping", "We keep\nyour data.", "We keep your data.", "editorial", "formatting", ["whitespace"], {}),
    ("entity-spelling", "We don&rsquo;t sell data.", "We don’t sell data.", "editorial", "formatting",
     ["entity spelling"], {}),
    ("line-break-tag", "Line one<br>line two", "Line one  \nline two", "editorial", "formatting", [], {}),
    ("in-page-link-renamed", "See [complaints](#resolving-complaints).", "See [complaints](#dispute-resolution-process).",
     "editorial", "link-target", ["#dispute-resolution-process"], {"new_targets": ["#dispute-resolution-process"]}),
    ("same-site-link", "See [our notice](https://example.com/a/notice).", "See [our notice](https://example.com/b/notice).",
     "editorial", "link-target", ["https://example.com/b/notice"], {}),
    ("cross-site-link", "See [our notice](https://example.com/notice).",
     "See [our notice](https://other.example.net/notice).", "minor", "link-changed",
     ["example.com -> other.example.net"], {"hosts": ["example.com -> other.example.net"]}),
    ("typo-fFor", "Data fFor support.", "Data for support.", "editorial", "spelling", ["fFor -> for"], {}),
    ("typo-teh", "We keep teh data.", "We keep the data.", "editorial", "spelling", ["teh -> the"], {}),
    ("doubled-word", "We keep the the data.", "We keep the data.", "editorial", "spelling", [], {}),
    ("curly-quote", "We don't sell data.", "We don’t sell data.", "editorial", "punctuation", [], {}),
    ("space-before-comma", "We keep data , and logs.", "We keep data, and logs.", "editorial", "whitespace", [], {}),
    # not typos: a short word becoming another word that changes the meaning
    ("now-not", "We now sell data.", "We not sell data.", "notice", "text-negation", ["'not'"], {}),
    ("can-may", "You can object.", "You may object.", "minor", "text-clarification", ['added: "may"'], {}),
    # text reasons quote the changed words; only changed words escalate
    ("comma-and-plural", "Contact our Data Protection Officer, who handles requests.",
     "Contact our Data Protection Officer(s) who handles requests.", "minor", "text-clarification",
     ['added: "(s)"', 'removed: ","'], {"added": ["(s)"], "removed": [","]}),
    ("advertising-added", "We collect data.", "We collect data for online advertising by service providers.",
     "notice", "text-ambiguous", ['added: "for online advertising by service providers"', "'advertising'"],
     {"trigger": "advertising"}),
    ("never-sell-deleted", "We never sell your data. We keep it.", "We keep it.", "notice", "text-negation",
     ["'never'", "removed:"], {}),
    ("table-cell-edited", TABLE, TABLE.replace("| account |", "| account and billing |"), "minor",
     "text-clarification", ['added: "and billing"'], {"added": ["and billing"]}),
    ("table-row-added-sharing", TABLE, TABLE + "| location | shared with advertising partners |\n", "notice",
     "text-ambiguous", ["location"], {}),
]


@pytest.mark.parametrize("old, new, level, rule, evidence, fields",
                         [pytest.param(*c[1:], id=c[0]) for c in READER_CASES])
def test_reader_cases(old, new, level, rule, evidence, fields):
    cls = text_change(old, new)
    assert cls.level == level, [(r.rule, r.level, r.message) for r in cls.reasons]
    r = reason(cls, rule)
    for ev in evidence:
        assert ev in r.message, f"{ev!r} not in {r.message!r}"
    got = r.as_dict()
    assert {k: got[k] for k in ("clause", "level", "rule", "message")}  # the JSON contract holds
    for key, value in fields.items():
        assert got.get(key) == value, (key, got)
    assert_flags(cls)


def test_formatting_only_clause_is_marked():
    mo = manifest()
    d = diff_policy(policy(mo, [C("### Feedback\n\nWe use feedback.\n")]),
                    policy(mo, [C("## Feedback\n\nWe use feedback.\n")]), "en")
    assert d.clauses[0].formatting_only and d.clauses[0].status == "modified"

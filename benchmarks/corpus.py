"""A synthetic but realistic policy corpus in a real git repository, for the benchmarks.

N versions x L languages x C clauses. Clauses look like the seed policies (an intro
paragraph, numbered sub-headings, ``(1)`` items and bullets; 0.5-4 KB each); every
version edits a few clauses in every language (sentences replaced, items added or
dropped, typos fixed) and now and then a front-matter fact (a new purpose, data category
or retention period). Translations carry the ``source_hash`` of the clause they
translate, so no release is stale. Each version is recorded with
``policygen.editing.record_release`` (what ``policygen release --backfill`` runs) and
committed with git.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from policygen.changes import summarise
from policygen.classify import classify
from policygen.diff import diff_policy
from policygen.editing import record_release
from policygen.fragments import load_policy, parse_clause, render_clause_file
from policygen.lint import source_hash
from policygen.model import Clause
from policygen.worktree import DirSource

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "data" / "seeds"
POLICY = "bench"
LANGUAGES = ["en", "zh-CN", "de", "fr", "es", "it", "pt-BR", "nl", "ja", "zh-TW"]
GIT_ENV = {"GIT_AUTHOR_NAME": "Legal Editor", "GIT_AUTHOR_EMAIL": "legal@example.com",
           "GIT_COMMITTER_NAME": "Legal Editor", "GIT_COMMITTER_EMAIL": "legal@example.com",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}

TOPICS = [
    ("personal-data-we-collect", "Personal Data We Collect", "我们收集的个人信息"),
    ("how-we-use-data", "How We Use Your Personal Data", "我们如何使用您的个人信息"),
    ("legal-bases", "Legal Bases for Processing", "处理的法律依据"),
    ("cookies", "Cookies and Similar Technologies", "Cookie 及同类技术"),
    ("sharing", "Sharing, Transfer and Disclosure", "共享、转让和公开披露"),
    ("international-transfers", "International Transfers", "个人信息的跨境传输"),
    ("retention", "How Long We Keep Personal Data", "个人信息的保存期限"),
    ("security", "How We Protect Personal Data", "我们如何保护您的个人信息"),
    ("your-rights", "Your Rights", "您的权利"),
    ("children", "Children's Personal Data", "未成年人的个人信息"),
    ("automated-decisions", "Automated Decision-Making", "自动化决策"),
    ("marketing", "Marketing Communications", "营销信息"),
    ("service-providers", "Third-Party Service Providers", "第三方服务提供商"),
    ("contact-us", "How to Contact Us", "如何联系我们"),
    ("updates", "How This Policy Is Updated", "本政策如何更新"),
]
TITLE_WORDS = {
    "de": "Abschnitt", "fr": "Section", "es": "Sección", "it": "Sezione", "pt-BR": "Seção", "nl": "Afdeling",
    "ja": "第{n}条", "zh-TW": "第{n}條",
}

ZH_SENTENCES = [
    "我们仅在实现产品功能所必需的范围内收集您的个人信息。",
    "您在注册账户时，需要向我们提供手机号码、电子邮件地址和昵称。",
    "为保障您的账户安全，我们会收集您的设备型号、操作系统版本和网络日志信息。",
    "我们会按照法律法规的要求，遵循合法、正当、必要和诚信的原则处理您的个人信息。",
    "如您拒绝提供上述信息，将无法使用相关功能，但不影响您使用其他服务。",
    "我们不会将您的个人信息用于本政策未载明的其他目的。",
    "在征得您的单独同意后，我们才会向第三方提供您的敏感个人信息。",
    "我们采用加密技术、访问控制和安全审计等措施保护您的个人信息。",
    "您有权查阅、复制、更正、补充和删除您的个人信息。",
    "您可以通过本政策所列的联系方式行使上述权利，我们将在十五个工作日内答复。",
    "我们在中华人民共和国境内收集和产生的个人信息，原则上存储在境内。",
    "如需向境外提供个人信息，我们将依法进行安全评估并取得您的单独同意。",
    "个人信息的保存期限为实现处理目的所必要的最短时间。",
    "超出保存期限后，我们将删除或匿名化处理您的个人信息。",
    "若发生个人信息安全事件，我们将及时告知您事件的基本情况和可能的影响。",
    "我们不会向未满十四周岁的未成年人主动收集个人信息。",
    "如您是未成年人的监护人，请在同意前仔细阅读本政策。",
    "我们可能会使用 Cookie 和同类技术来改善您的使用体验。",
    "您可以通过浏览器设置管理或删除 Cookie。",
    "我们委托的受托处理者将按照我们的指示和本政策处理您的个人信息。",
    "本政策更新后，我们会在网站显著位置发布通知。",
    "对于重大变更，我们将在变更生效前至少三十日通知您。",
    "您可以随时撤回您的同意，撤回同意不影响撤回前基于同意已进行的处理。",
    "我们会定期审查个人信息的处理活动，确保其符合本政策。",
]
ZH_ITEMS = ["账户信息", "设备信息", "位置信息", "交易记录", "客服通话录音", "浏览记录", "身份证件号码",
            "银行卡信息", "联系人信息", "售后服务记录", "发票信息", "网络日志"]
JA_SENTENCES = [
    "当社は、サービスの提供に必要な範囲でお客様の個人情報を取得します。",
    "お客様は、当社が保有する個人情報の開示、訂正および削除を請求することができます。",
    "当社は、個人情報の漏えいを防止するため、適切な安全管理措置を講じます。",
    "当社は、法令に基づく場合を除き、本人の同意なく第三者に個人情報を提供しません。",
    "本ポリシーを変更する場合、当社はウェブサイト上で事前にお知らせします。",
    "個人情報は、利用目的の達成に必要な期間に限り保存します。",
]
LATIN = {
    "de": (["Wir", "Unser Unternehmen", "Der Verantwortliche", "Unsere Dienstleister"],
           ["verarbeiten", "speichern", "übermitteln", "schützen", "löschen"],
           ["Ihre personenbezogenen Daten", "Ihre Kontaktdaten", "Ihre Bestelldaten", "Ihre Gerätedaten",
            "die Daten Ihres Kundenkontos"],
           ["nur für die in dieser Erklärung genannten Zwecke", "auf Grundlage Ihrer Einwilligung",
            "soweit dies zur Vertragserfüllung erforderlich ist", "gemäß den geltenden Datenschutzgesetzen",
            "für höchstens {n} Monate"]),
    "fr": (["Nous", "Notre société", "Le responsable du traitement", "Nos sous-traitants"],
           ["traitons", "conservons", "transférons", "protégeons", "supprimons"],
           ["vos données personnelles", "vos coordonnées", "vos données de commande", "les données de votre appareil",
            "les données de votre compte"],
           ["uniquement aux fins décrites dans la présente politique", "sur la base de votre consentement",
            "dans la mesure nécessaire à l'exécution du contrat", "conformément aux lois applicables",
            "pendant {n} mois au maximum"]),
    "es": (["Nosotros", "Nuestra empresa", "El responsable del tratamiento", "Nuestros encargados"],
           ["tratamos", "conservamos", "transferimos", "protegemos", "suprimimos"],
           ["sus datos personales", "sus datos de contacto", "los datos de sus pedidos", "los datos de su dispositivo",
            "los datos de su cuenta"],
           ["solo para los fines descritos en esta política", "sobre la base de su consentimiento",
            "en la medida necesaria para ejecutar el contrato", "de conformidad con la legislación aplicable",
            "durante un máximo de {n} meses"]),
    "it": (["Noi", "La nostra società", "Il titolare del trattamento", "I nostri responsabili"],
           ["trattiamo", "conserviamo", "trasferiamo", "proteggiamo", "cancelliamo"],
           ["i suoi dati personali", "i suoi dati di contatto", "i dati dei suoi ordini", "i dati del suo dispositivo",
            "i dati del suo account"],
           ["solo per le finalità descritte nella presente informativa", "sulla base del suo consenso",
            "nella misura necessaria all'esecuzione del contratto", "in conformità alla normativa applicabile",
            "per un massimo di {n} mesi"]),
    "pt-BR": (["Nós", "Nossa empresa", "O controlador", "Nossos operadores"],
              ["tratamos", "armazenamos", "transferimos", "protegemos", "excluímos"],
              ["seus dados pessoais", "seus dados de contato", "os dados dos seus pedidos",
               "os dados do seu dispositivo", "os dados da sua conta"],
              ["somente para as finalidades descritas nesta política", "com base no seu consentimento",
               "na medida necessária à execução do contrato", "de acordo com a LGPD",
               "por no máximo {n} meses"]),
    "nl": (["Wij", "Ons bedrijf", "De verwerkingsverantwoordelijke", "Onze verwerkers"],
           ["verwerken", "bewaren", "doorgeven", "beschermen", "verwijderen"],
           ["uw persoonsgegevens", "uw contactgegevens", "uw bestelgegevens", "de gegevens van uw apparaat",
            "de gegevens van uw account"],
           ["alleen voor de doelen in deze verklaring", "op basis van uw toestemming",
            "voor zover nodig voor de uitvoering van de overeenkomst", "in overeenstemming met de AVG",
            "gedurende maximaal {n} maanden"]),
}
PURPOSES = ["provide products and services", "after-sales service", "fraud prevention", "product improvement",
            "marketing communications", "analytics", "customer support", "legal compliance", "personalised offers",
            "research and statistics", "account security", "order fulfilment"]
CATEGORIES = ["name", "email address", "mobile phone number", "postal address", "device identifiers",
              "IP address", "purchase history", "payment card number", "browsing history", "voice recordings",
              "approximate location", "customer service records"]


def english_sentences() -> list[str]:
    out = []
    for f in sorted(SEEDS.glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        for para in text.split("\n"):
            para = re.sub(r"^\s*(•|\(\d+\)|\d+[.)]|[IVX]+\.)\s*", "", para).strip()
            for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", para):
                s = s.strip()
                if 50 <= len(s) <= 320 and s[-1] in ".;:" and "@" not in s and "(" not in s:
                    out.append(s.rstrip(";:") + ".")
    return sorted(set(out))


class Writer:
    """Sentences, items and headings in one language."""

    def __init__(self, lang: str, rng: random.Random, en: list[str]):
        self.lang, self.rng, self.en = lang, rng, en

    def sentence(self) -> str:
        r = self.rng
        if self.lang == "en":
            return r.choice(self.en)
        if self.lang in ("zh-CN", "zh-TW"):
            return r.choice(ZH_SENTENCES)
        if self.lang == "ja":
            return r.choice(JA_SENTENCES)
        subj, verb, obj, qual = LATIN[self.lang]
        return f"{r.choice(subj)} {r.choice(verb)} {r.choice(obj)} {r.choice(qual).format(n=r.randint(3, 60))}."

    def paragraph(self, k: int | None = None) -> str:
        sep = "" if self.lang in ("zh-CN", "zh-TW", "ja") else " "
        return sep.join(self.sentence() for _ in range(k or self.rng.randint(2, 4)))

    def item(self) -> str:
        if self.lang in ("zh-CN", "zh-TW"):
            a, b = self.rng.sample(ZH_ITEMS, 2)
            return f"{a}和{b}：" + self.sentence()
        return self.sentence()

    def heading(self, n: int) -> str:
        if self.lang == "en":
            return f"{n}. " + self.rng.choice(["Information you provide", "Information collected automatically",
                                              "Information from third parties", "How to exercise this right",
                                              "Exceptions", "Safeguards", "What happens next"])
        if self.lang in ("zh-CN", "zh-TW", "ja"):
            return f"{n}. " + self.rng.choice(ZH_ITEMS)
        return f"{n}. " + self.rng.choice(LATIN[self.lang][2]).capitalize()

    def body(self, target: int) -> str:
        blocks = [self.paragraph()]
        n = 0
        while len("\n\n".join(blocks).encode()) < target:
            n += 1
            blocks.append(f"### {self.heading(n)}")
            blocks.append(self.paragraph(self.rng.randint(1, 2)))
            blocks.append("\n".join(f"- ({i + 1}) {self.item()}" for i in range(self.rng.randint(2, 5))))
        return "\n\n".join(blocks)


@dataclass
class CorpusInfo:
    path: Path
    versions: list = field(default_factory=list)  # (effective date, commit)
    languages: list = field(default_factory=list)
    clauses: int = 0
    snapshots: dict = field(default_factory=dict)  # version index -> {lang: [(title, body)]}

    @property
    def build_date(self) -> date:
        return self.versions[-1][0] + timedelta(days=5)


def git(cwd, *args, env_date: date | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if env_date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{env_date.isoformat()}T12:00:00+00:00"
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def clause_ids(c: int) -> list[str]:
    return [f"{TOPICS[i % len(TOPICS)][0]}" + (f"-{i // len(TOPICS) + 1}" if i >= len(TOPICS) else "")
            for i in range(c)]


def make_corpus(path: Path, n: int, l: int, c: int, seed: int = 7, snapshot: set | None = None,
                progress=None) -> CorpusInfo:
    """Create the repository at ``path`` (must not exist) and return what was made."""
    rng = random.Random(seed)
    en = english_sentences()
    langs = LANGUAGES[:l]
    writers = {lg: Writer(lg, rng, en) for lg in langs}
    ids = clause_ids(c)
    src = path / "policy_src"
    folder = src / POLICY
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (folder).mkdir(parents=True)
    titles = {"en": "Privacy Policy", "zh-CN": "隐私政策", "zh-TW": "隱私政策", "de": "Datenschutzerklärung",
              "fr": "Politique de confidentialité", "es": "Política de privacidad", "it": "Informativa sulla privacy",
              "pt-BR": "Política de privacidade", "nl": "Privacyverklaring", "ja": "プライバシーポリシー"}
    manifest = ("# Policy manifest (benchmark corpus)\n"
                "title:\n" + "".join(f"  {lg}: {titles[lg]}\n" for lg in langs)
                + "entity:\n  name: Example Devices Co., Ltd - 示例设备有限公司\n"
                + "languages:\n" + "".join(f"- {lg}\n" for lg in langs)
                + "regimes:\n- gdpr\n- pipl\nnotice_days: 30\nnumbering: decimal\n"
                + "clauses:\n" + "".join(f"- {cid}\n" for cid in ids))
    (folder / "policy.yml").write_text(manifest, encoding="utf-8")

    # state[lang][cid] = Clause
    facts = {cid: {} for cid in ids}
    for i, cid in enumerate(ids):
        topic = TOPICS[i % len(TOPICS)][0]
        if topic == "personal-data-we-collect":
            facts[cid] = {"data_categories": [{"name": x} for x in CATEGORIES[:3]]}
        elif topic == "how-we-use-data":
            facts[cid] = {"purposes": PURPOSES[:3]}
        elif topic == "retention":
            facts[cid] = {"retention": [{"data": "account data", "period": "3 years"}]}
    bodies = {lg: {} for lg in langs}
    title_of = {}
    for i, cid in enumerate(ids):
        target = int(rng.triangular(500, 4000, 1400))
        t = TOPICS[i % len(TOPICS)]
        for lg in langs:
            bodies[lg][cid] = writers[lg].body(target)
            if lg == "en":
                title_of[(lg, cid)] = t[1]
            elif lg in ("zh-CN", "zh-TW"):
                title_of[(lg, cid)] = t[2]
            else:
                title_of[(lg, cid)] = TITLE_WORDS[lg].format(n=i + 1) if "{n}" in TITLE_WORDS[lg] \
                    else f"{TITLE_WORDS[lg]} {i + 1}"

    def write_clause(cid: str) -> None:
        source = Clause(id=cid, title=title_of[("en", cid)], body=bodies["en"][cid], facts=facts[cid])
        text = render_clause_file(source)
        (folder / "en").mkdir(exist_ok=True)
        (folder / "en" / f"{cid}.md").write_text(text, encoding="utf-8")
        parsed = parse_clause(text, f"{POLICY}/en/{cid}.md", [])
        sh = source_hash(parsed)
        for lg in langs[1:]:
            tr = Clause(id=cid, title=title_of[(lg, cid)], body=bodies[lg][cid], facts=facts[cid], source_hash=sh)
            (folder / lg).mkdir(exist_ok=True)
            (folder / lg / f"{cid}.md").write_text(render_clause_file(tr), encoding="utf-8")

    for cid in ids:
        write_clause(cid)

    info = CorpusInfo(path=path, languages=langs, clauses=c)
    day = date(2012, 1, 16)
    prev_text = None
    srcdir = str(src)
    for k in range(n):
        if k > 0:
            edited = rng.sample(ids, min(len(ids), rng.randint(1, 4)))
            for cid in edited:
                edit = rng.choice(["replace", "replace", "add-item", "drop-item", "typo", "paragraph"])
                for lg in langs:
                    bodies[lg][cid] = _edit(bodies[lg][cid], edit, writers[lg], rng)
            if rng.random() < 0.25:
                cid = rng.choice(ids)
                f = dict(facts[cid])
                kind = rng.choice(["purposes", "data_categories", "retention"])
                if kind == "purposes":
                    f["purposes"] = list(f.get("purposes", [])) + [f"{rng.choice(PURPOSES)} ({k})"]
                elif kind == "data_categories":
                    f["data_categories"] = list(f.get("data_categories", [])) + [{"name": f"{rng.choice(CATEGORIES)} ({k})"}]
                else:
                    f["retention"] = [{"data": "account data", "period": f"{rng.randint(1, 9)} years"}]
                facts[cid] = f
                edited.append(cid)
            for cid in set(edited):
                write_clause(cid)
        findings: list = []
        manifest_obj, texts = load_policy(DirSource(srcdir), "", POLICY, findings)
        cur = texts["en"]
        if prev_text is None:
            computed = ("editorial", "First published version.")
        else:
            cls = classify(diff_policy(prev_text, cur, "en"), manifest_obj)
            computed = (cls.level, summarise(cls))
        prev_text = cur
        record_release(srcdir, POLICY, day, day, backfill=True, computed=computed)
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", f"Release {day.isoformat()}", env_date=day)
        info.versions.append((day, git(path, "rev-parse", "HEAD").strip()))
        if snapshot and k in snapshot:
            info.snapshots[k] = {lg: [(t.title, t.body) for t in texts[lg].clauses] for lg in langs}
        if progress:
            progress(k + 1, n)
        day += timedelta(days=rng.randint(20, 60))
    return info


def _edit(body: str, kind: str, w: Writer, rng: random.Random) -> str:
    blocks = body.split("\n\n")
    paras = [i for i, b in enumerate(blocks) if not b.startswith(("###", "- "))]
    lists = [i for i, b in enumerate(blocks) if b.startswith("- ")]
    if kind == "replace" and paras:
        i = rng.choice(paras)
        blocks[i] = w.paragraph()
    elif kind == "add-item" and lists:
        i = rng.choice(lists)
        items = blocks[i].split("\n")
        items.append(f"- ({len(items) + 1}) {w.item()}")
        blocks[i] = "\n".join(items)
    elif kind == "drop-item" and lists:
        i = rng.choice(lists)
        items = blocks[i].split("\n")
        if len(items) > 1:
            items.pop(rng.randrange(len(items)))
            blocks[i] = "\n".join(re.sub(r"^- \(\d+\)", f"- ({j + 1})", it) for j, it in enumerate(items))
    elif kind == "typo":
        i = rng.choice(paras) if paras else 0
        b = blocks[i]
        swapped = b.replace("the ", "the  ", 1) if "the  " not in b else b.replace("the  ", "the ", 1)
        blocks[i] = swapped if swapped != b else b + ("。" if w.lang.startswith("zh") else " ")
        blocks[i] = blocks[i].rstrip()
    else:
        pos = rng.randint(1, len(blocks))
        blocks.insert(pos, w.paragraph())
    return "\n\n".join(blocks)

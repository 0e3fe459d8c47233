"""How fast policygen.compare.textfacts reads facts: ms per 70 KB policy, per language.

    .venv/bin/python benchmarks/textfacts.py [--runs 5]

Prints, per language: the one-off cost of loading the vocabulary and compiling that
language's patterns (paid once per process), and the time to read one 70 KB policy (best of
--runs, after a warm-up). English reads the newest Google policy of ../shared/corpus/ota
cut to 70 KB at a paragraph end; the other languages read the same-sized text built by
repeating this module's sample clause of that language (there is no 70 KB real policy in
them here), which is denser in facts than a real policy, so their figures err high.
"""

from __future__ import annotations

import argparse
import gc
import glob
import os
import sys
import time

SIZE = 70_000
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus", "ota", "google")

SAMPLES = {
    "zh-CN": "## 我们如何共享您的个人信息\n\n我们收集您的精确位置、健康信息和设备信息，与位于美国的广告合作伙伴共享，保存2年，且绝不出售。"
             "我们可能会与关联公司及授权合作伙伴共享您的个人信息，但不会向数据经纪商出售。您有权查阅、复制、更正、删除您的个人信息，"
             "如需行使上述权利，请发送邮件至 privacy@example.com。我们不会在未取得监护人同意的情况下收集不满14周岁儿童的个人信息。\n\n"
             "| SDK名称 | 使用目的 | 所在地 |\n|---|---|---|\n| 友盟统计 | 统计分析 | 中国 |\n\n",
    "de": "## Weitergabe Ihrer Daten\n\nWir erheben Ihren genauen Standort und Ihre Gesundheitsdaten, teilen sie mit Werbepartnern "
          "in den USA, speichern sie 2 Jahre und verkaufen sie niemals. Wir geben Ihre Daten an Auftragsverarbeiter und an "
          "Behörden weiter, soweit wir dazu verpflichtet sind. Sie haben das Recht auf Berichtigung und Löschung Ihrer Daten "
          "sowie ein Widerspruchsrecht; schreiben Sie an datenschutz@example.de. Die Verarbeitung erfolgt zur Erfüllung eines "
          "Vertrags (Art. 6 Abs. 1 lit. b DSGVO).\n\n| Anbieter | Zweck | Standort |\n|---|---|---|\n"
          "| Hetzner Online GmbH | Hosting | Deutschland |\n\n",
    "fr": "## Partage de vos données\n\nNous collectons votre localisation précise et vos données de santé, les partageons avec des "
          "partenaires publicitaires aux États-Unis, les conservons 2 ans et ne les vendons jamais. Vos données peuvent être "
          "communiquées à nos sous-traitants et aux autorités compétentes. Vous disposez d'un droit d'accès, de rectification "
          "et à la portabilité de vos données, que vous pouvez exercer à dpo@example.fr. Ce traitement est fondé sur notre "
          "intérêt légitime.\n\n| Prestataire | Finalité | Pays |\n|---|---|---|\n| OVHcloud | Hébergement | France |\n\n",
    "es": "## Cómo compartimos sus datos\n\nRecopilamos su ubicación precisa y sus datos de salud, los compartimos con socios "
          "publicitarios en Estados Unidos, los conservamos durante 2 años y nunca los vendemos. Compartimos sus datos con "
          "proveedores de servicios y con empresas del grupo. Puede ejercer sus derechos de acceso, rectificación, supresión y "
          "oposición escribiendo a privacidad@example.es. La base legal del tratamiento es su consentimiento.\n\n"
          "| Proveedor | Finalidad | Ubicación |\n|---|---|---|\n| Amazon Web Services | Alojamiento | Irlanda |\n\n",
    "ja": "## 個人情報の共有\n\n当社は、お客様の正確な位置情報と健康情報を取得し、米国の広告パートナーと共有し、2年間保存しますが、"
          "販売することはありません。当社は、業務委託先およびグループ会社に個人情報を提供することがあります。お客様は、保有個人データの"
          "開示、訂正および削除を請求することができます。お問い合わせは privacy@example.jp までご連絡ください。\n\n"
          "| 委託先 | 委託内容 | 所在国 |\n|---|---|---|\n| Salesforce, Inc. | 顧客管理 | 米国 |\n\n",
}


def english() -> str:
    files = sorted(glob.glob(os.path.join(CORPUS, "*.md")))
    if not files:
        sys.exit(f"no corpus at {CORPUS}")
    return _cut(open(files[-1], encoding="utf-8").read())


def _cut(text: str) -> str:
    """The text cut to SIZE bytes of UTF-8, at a line end."""
    head = text.encode("utf-8")[:SIZE].decode("utf-8", "ignore")
    return head[:head.rfind("\n") + 1] or head


def repeated(sample: str) -> str:
    return _cut(sample * (3 * SIZE // len(sample.encode("utf-8")) + 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    t = time.perf_counter()
    from policygen.compare import textfacts
    textfacts.concepts(), textfacts.cues(), textfacts._pycountry_names()
    print(f"import + vocabulary + country names: {(time.perf_counter() - t) * 1000:.0f} ms (once per process)")
    texts = {"en": english(), **{lang: repeated(s) for lang, s in SAMPLES.items()}}
    print(f"{'lang':6} {'KB':>5} {'compile ms':>11} {'read ms':>8} {'facts':>6}")
    for lang, text in texts.items():
        t = time.perf_counter()
        textfacts._lang(lang)
        compile_ms = (time.perf_counter() - t) * 1000
        textfacts.read_facts(text, lang)  # warm-up
        best = float("inf")
        gc.disable()
        for _ in range(args.runs):
            t = time.perf_counter()
            facts = textfacts.read_facts(text, lang)
            best = min(best, time.perf_counter() - t)
        gc.enable()
        print(f"{lang:6} {len(text.encode('utf-8')) / 1000:5.0f} {compile_ms:11.0f} {best * 1000:8.1f} {len(facts):6}")


if __name__ == "__main__":
    main()

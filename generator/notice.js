/* policygen notice.js: tells a website's visitors about privacy policy changes (MIT licence).
   Include on any page: <script src="/legal/privacy/notice.js" data-policy="acme" defer></script>
   It reads changes.json beside it (no other request, no cookie) and stores in localStorage only
   the content hash of the version the visitor acknowledged. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src || window.policygenNotice) return; // included twice: the first one serves
  var base = new URL(".", me.src); // the policy site's root, under any sub-path
  var NOTICE = "policygen-notice:", CONSENT = "policygen-consent:";
  var done;
  var api = window.policygenNotice = {
    // Settles once changes.json was read (or could not be): then the fields below are set.
    ready: new Promise(function (resolve) { done = resolve; }),
    consentRequired: null,
    // The site's consent manager calls this once the visitor consented to `version`
    // (its effective date or content hash); resolves to whether the version is known.
    acknowledge: function (version) {
      return api.ready.then(function () { return ack ? ack(version) : false; });
    }
  };
  var ack;

  function load(key) {
    try { return localStorage.getItem(key) || ""; } catch (e) { return ""; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* storage off: the notice comes back */ }
  }
  function url(u) {
    // Only links of the policy site's own kind: http(s), relative to changes.json.
    try { var x = new URL(u, base); return /^https?:$/.test(x.protocol) ? x.href : ""; } catch (e) { return ""; }
  }
  function pickLang(langs) {
    var want = [me.getAttribute("data-lang"), document.documentElement.lang]
      .concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < want.length; i++) {
      var w = String(want[i] || "").toLowerCase();
      if (!w) continue;
      for (var j = 0; j < langs.length; j++) if (langs[j].toLowerCase() === w) return langs[j];
      for (j = 0; j < langs.length; j++) if (langs[j].toLowerCase().split("-")[0] === w.split("-")[0]) return langs[j];
    }
    return langs[0];
  }
  function today() {
    var d = new Date();
    return new Date(d.getTime() - d.getTimezoneOffset() * 6e4).toISOString().slice(0, 10);
  }

  function start(doc) {
    var pols = (doc && doc.policies) || [], id = me.getAttribute("data-policy"), pol;
    for (var i = 0; i < pols.length; i++) if (pols[i].policy === id || (!id && pols.length === 1)) pol = pols[i];
    if (!pol || !pol.languages || !pol.languages.length) return;
    var lang = pickLang(pol.languages), src = pol.languages[0];
    var S = (doc.notice_strings || {})[lang] || (doc.notice_strings || {})[src];
    if (!S) return;
    var now = today(), vs = pol.versions || [];
    // What a version offers this reader: their language where the version has it.
    function inLang(v, field) {
      var m = v[field] || {};
      return m[lang] || m[src] || "";
    }
    function hash(v) { return inLang(v, "content_hashes"); }
    function find(key) { // a version by effective date or by any of its content hashes
      for (var i = vs.length - 1; i >= 0; i--) {
        var h = vs[i].content_hashes || {};
        if (vs[i].effective === key) return vs[i];
        for (var l in h) if (h[l] === key) return vs[i];
      }
      return null;
    }
    function since(key) { var v = find(load(key + pol.policy)); return v ? v.effective : ""; }
    var seen = since(NOTICE), consented = since(CONSENT);
    var shown = null, next = null, host = null, k, v;

    // The banner: the newest notice version in force that the visitor has not acknowledged
    // (on a first visit: one that took effect within the notice period), else the next
    // upcoming one. Editorial and minor versions never show.
    for (k = 0; k < vs.length; k++) {
      v = vs[k];
      if (!v.notice_required || v.effective <= seen) continue;
      if (v.effective > now) next = next || v;
      else if (seen || (Date.parse(now) - Date.parse(v.effective)) / 864e5 <= (pol.notice_days || 30)) shown = v;
    }
    shown = shown || next;
    // A consent version in force not yet acknowledged by the consent manager: tell it.
    var need = null;
    for (k = 0; k < vs.length; k++) if (vs[k].consent_required && vs[k].effective <= now) need = vs[k];
    if (need && need.effective > consented) {
      api.consentRequired = {
        policy: pol.policy, version: need.effective, effective: need.effective, content_hash: hash(need),
        level: need.level, lang: lang, url: url(inLang(need, "urls")), reasons_url: url(inLang(need, "compare_urls"))
      };
      var ev = new CustomEvent("policygen:consent-required",
        { detail: api.consentRequired, bubbles: true, cancelable: true });
      // A consent manager that takes over (preventDefault) re-prompts; no banner of ours then.
      if (!document.dispatchEvent(ev) && shown === need) shown = null;
    } else need = null;

    // Dismissing the banner acknowledges the notice; the consent manager's acknowledge()
    // also the consent (the upcoming consent version's banner dismissed is not consent).
    function seenIt(v) {
      save(NOTICE + pol.policy, hash(v));
      if (host && shown && v.effective >= shown.effective) { host.remove(); host = null; }
    }
    ack = function (key) {
      var v = find(String(key));
      if (!v) return false;
      seenIt(v);
      if (v.consent_required) save(CONSENT + pol.policy, hash(v));
      if (need && v.effective >= need.effective) api.consentRequired = null;
      return true;
    };
    if (shown) host = banner(shown);

    function banner(v) {
      var upcoming = v.effective > now;
      var text = S[upcoming ? "upcoming" : "changed"].replace("{title}", inLang(pol, "title") || pol.policy)
        .replace("{date}", inLang(v, "effective_text") || v.effective);
      if (v.consent_required) text += (/[。！？]$/.test(text) ? "" : " ") + S[upcoming ? "consent_upcoming" : "consent"];
      var el = document.createElement("div");
      if (!el.attachShadow) return null; // its styles would reach the page
      el.setAttribute("data-policygen-notice", pol.policy);
      var root = el.attachShadow({ mode: "open" });
      try { // a constructed style sheet: a Content-Security-Policy without 'unsafe-inline' allows it
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        add(root, "style", CSS);
      }
      var box = add(root, "section", "");
      box.setAttribute("aria-label", S.label);
      box.setAttribute("lang", lang);
      add(box, "p", text);
      var links = add(box, "p", "");
      [[inLang(v, "compare_urls"), S[upcoming ? "see_changes" : "see_changed"]], [inLang(v, "urls"), S.read]]
        .forEach(function (l) {
          var href = url(l[0]);
          if (!href) return;
          var a = add(links, "a", l[1]);
          a.href = href;
        });
      var close = add(box, "button", S.dismiss);
      close.type = "button";
      close.addEventListener("click", function () { seenIt(v); });
      document.body.insertBefore(el, document.body.firstChild); // first in the keyboard order
      return el;
    }
  }

  function add(parent, tag, text) {
    var el = document.createElement(tag);
    if (text) el.textContent = text;
    parent.appendChild(el);
    return el;
  }

  // Fixed at the bottom: the page's layout never moves. Colours and font: custom properties.
  var CSS = ":host{all:initial;position:fixed;left:0;right:0;bottom:0;z-index:2147483000;display:block}" +
    "section{box-sizing:border-box;max-width:var(--policygen-notice-max-width,60rem);margin:0 auto;" +
    "padding:.75rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;" +
    "font:var(--policygen-notice-font,1rem/1.5 system-ui,sans-serif);" +
    "background:var(--policygen-notice-bg,#1f2937);color:var(--policygen-notice-fg,#fff);" +
    "border-radius:var(--policygen-notice-radius,.5rem .5rem 0 0);box-shadow:0 -2px 8px rgba(0,0,0,.3)}" +
    "p{margin:0;flex:1 1 18rem}p+p{flex:0 1 auto}a{color:var(--policygen-notice-link,#93c5fd);margin-right:1rem}" +
    "button{font:inherit;cursor:pointer;border:0;border-radius:.25rem;padding:.25rem .75rem;" +
    "color:var(--policygen-notice-bg,#1f2937);background:var(--policygen-notice-fg,#fff)}" +
    "a:focus-visible,button:focus-visible{outline:3px solid var(--policygen-notice-focus,#fbbf24);outline-offset:2px}" +
    "@keyframes pgn{from{transform:translateY(100%)}}" +
    "@media (prefers-reduced-motion:no-preference){section{animation:pgn .25s ease-out}}" +
    "@media print{:host{display:none}}";

  fetch(new URL("changes.json", base), { credentials: "omit", cache: "no-cache" })
    .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
    .then(start, function () { /* no changes.json: nothing to tell */ })
    .then(function () { done(api); }, function (e) { done(api); throw e; });
})();

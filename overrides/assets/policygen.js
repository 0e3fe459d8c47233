// policygen: the language switcher keeps the reader on the same clause (#anchor).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.pg-lang-link");
  if (link && window.location.hash && link.getAttribute("href").indexOf("#") < 0) {
    event.preventDefault();
    window.location.href = link.getAttribute("href") + window.location.hash;
  }
});

// Compare pages: the side-by-side view of a redline, made from it on first use: the old
// text is the redline without its insertions, the new text without its deletions.
function pgSideBySide(inline, labels) {
  var sbs = document.createElement("div");
  sbs.className = "pg-sbs";
  sbs.hidden = true;
  ["old", "new"].forEach(function (side) {
    var column = document.createElement("div");
    column.className = "pg-sbs__" + side;
    var head = document.createElement("p");
    head.className = "pg-sbs__head";
    head.textContent = labels.getAttribute("data-" + side + "-label");
    var text = inline.cloneNode(true);
    text.className = "pg-redline";
    // Whole added or removed blocks (list items, table rows) go with their words.
    text.querySelectorAll(side === "old" ? "ins, .pg-block-ins" : "del, .pg-block-del").forEach(function (el) {
      el.remove();
    });
    if (side === "old") {
      text.querySelectorAll("a[data-pg-old-href]").forEach(function (a) {
        a.setAttribute("href", a.getAttribute("data-pg-old-href"));
      });
    }
    column.appendChild(head);
    column.appendChild(text);
    sbs.appendChild(column);
  });
  inline.after(sbs);
}

// Compare pages: switch between inline and side-by-side redlines.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button.pg-view");
  if (!button) return;
  var side = button.getAttribute("data-view") === "side";
  var labels = button.closest(".pg-view-toggle");
  document.querySelectorAll(".pg-inline").forEach(function (el) {
    var next = el.nextElementSibling;
    if (side && !(next && next.classList.contains("pg-sbs"))) pgSideBySide(el, labels);
  });
  document.querySelectorAll(".pg-inline").forEach(function (el) { el.hidden = side; });
  document.querySelectorAll(".pg-sbs").forEach(function (el) { el.hidden = !side; });
  document.querySelectorAll("button.pg-view").forEach(function (b) {
    b.setAttribute("aria-pressed", String(b === button));
  });
});

// Compare pages: pick any two versions (pages exist for the pairs listed in data-pairs).
document.addEventListener("submit", function (event) {
  var form = event.target.closest && event.target.closest("form.pg-compare-picker");
  if (!form) return;
  event.preventDefault();
  var a = form.elements.old.value, b = form.elements["new"].value;
  if (a > b) { var t = a; a = b; b = t; }
  var pair = a + "..." + b;
  var pairs = (form.getAttribute("data-pairs") || "").split(" ");
  var message = form.querySelector(".pg-picker-msg");
  if (a !== b && pairs.indexOf(pair) >= 0) {
    window.location.href = form.getAttribute("data-base") + pair + "/";
  } else if (message) {  // say why nothing opens (a status region: screen readers read it too)
    message.textContent = message.getAttribute(a === b ? "data-same" : "data-missing");
  }
});

// The page's contents in the drawer (phones): following a link closes the drawer.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.pg-drawer__link");
  var drawer = document.getElementById("__drawer");
  if (link && drawer) drawer.checked = false;
});

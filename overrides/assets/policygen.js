// policygen: the language switcher keeps the reader on the same clause (#anchor).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.pg-lang-link");
  if (link && window.location.hash && link.getAttribute("href").indexOf("#") < 0) {
    event.preventDefault();
    window.location.href = link.getAttribute("href") + window.location.hash;
  }
});

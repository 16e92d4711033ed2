// The embed builder (/embed/): without this file the form is sent and the page comes back
// with the link, the code and the preview. With it, every change asks the same page for
// them (the query model checks the choice on the server) and updates them in place.
(function () {
  "use strict";
  var form = document.querySelector("form[data-builder]");
  var preview = document.getElementById("embed-preview");
  if (!form || !preview || !window.fetch || !window.DOMParser) return;
  var timer = null, pending = null;

  function refresh() {
    var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url, { signal: pending.signal, credentials: "same-origin" }).then(function (response) {
      return response.text();  // a refused choice (400) carries its message
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var error = fresh.getElementById("builder-error");
      if (!error) return;
      var shown = document.getElementById("builder-error");
      shown.textContent = error.textContent;
      shown.hidden = error.hidden;
      document.getElementById("embed-link").value = fresh.getElementById("embed-link").value;
      document.getElementById("embed-code").value = fresh.getElementById("embed-code").value;
      document.querySelectorAll("[data-result]").forEach(function (part) { part.hidden = !error.hidden; });
      Array.prototype.forEach.call(form.elements, function (control) {
        var twin = control.id && fresh.getElementById(control.id);
        if (!twin) return;
        ["aria-invalid", "aria-describedby"].forEach(function (name) {
          if (twin.hasAttribute(name)) control.setAttribute(name, twin.getAttribute(name));
          else control.removeAttribute(name);
        });
      });
      var frame = fresh.getElementById("embed-preview").getAttribute("src");
      if (frame && preview.getAttribute("src") !== frame) preview.setAttribute("src", frame);
      history.replaceState(null, "", url);
    }).catch(function () {});
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "text") refresh();
  });
}());

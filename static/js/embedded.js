// Lotse in a partner's frame (?embed=1): tell the page around it how tall this page is, so
// that Lotse's resize script there (/embed.js) fits the frame to it (issue 20). Only an
// origin that may frame this page hears it: the partner origins the operator configured
// (data-frame-origins, the CSP frame-ancestors) and Lotse itself (the embed builder's
// preview). The target origin is always one of those, never "*"; the message holds the
// height only, nothing of what is searched in the frame.
(function () {
  "use strict";
  if (window.parent === window) return;
  var allowed = (document.body.getAttribute("data-frame-origins") || "").split(" ").filter(Boolean);
  allowed.push(window.location.origin);
  // Where the browser names the parent's origin (Chromium, Safari), only that one if it is
  // allowed; elsewhere each allowed origin, and the browser delivers to the one that matches.
  var ancestors = window.location.ancestorOrigins;
  var targets = ancestors && ancestors.length
    ? allowed.filter(function (origin) { return origin === ancestors[0]; })
    : allowed;
  if (!targets.length) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (!height || height === last) return;
    last = height;
    targets.forEach(function (origin) {
      window.parent.postMessage({ type: "lotse:height", height: height }, origin);
    });
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  report();
}());

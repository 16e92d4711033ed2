// Lotse embed: fits frames of Lotse pages to their content (issue 20). On the page that
// frames Lotse, after the iframe:
//   <script src="https://LOTSE/embed.js" async></script>
// It listens to height messages from Lotse's origin only (the origin this script is loaded
// from, or data-lotse-origin="https://…" on the script tag when you host a copy) and sets
// the height of the frame that sent one. Without it, a frame keeps its height attribute
// and scrolls. It sets no cookie and loads nothing.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = script.getAttribute("data-lotse-origin") || new URL(script.src, window.location.href).origin;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.type !== "lotse:height") return;
    var height = Number(event.data.height);
    if (!isFinite(height) || height < 100 || height > 100000) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.ceil(height) + "px";
        frames[i].setAttribute("data-lotse-sized", "");
      }
    }
  });
}());

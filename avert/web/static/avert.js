// Live countdowns: every element with data-deadline shows the time left, to the second's minute,
// in words and colour (the words alone carry the meaning). The server's "now" anchors the count
// so a wrong clock on the device does not change what is shown.
(function () {
  function describe(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var text = minutes >= 60
      ? Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min"
      : minutes + " min";
    return seconds >= 0 ? text + " left" : "Overdue by " + text;
  }
  function colour(seconds) {
    if (seconds < 0) return "nhsuk-tag--red";
    if (seconds < 30 * 60) return "nhsuk-tag--orange";
    if (seconds < 60 * 60) return "nhsuk-tag--yellow";
    return "nhsuk-tag--blue";
  }
  var colours = ["nhsuk-tag--red", "nhsuk-tag--orange", "nhsuk-tag--yellow", "nhsuk-tag--blue"];
  function tick() {
    var elements = document.querySelectorAll("[data-deadline]");
    elements.forEach(function (el) {
      if (!el.dataset.loadedAt) { el.dataset.loadedAt = String(Date.now()); }
      var serverNow = Date.parse(el.dataset.now) + (Date.now() - Number(el.dataset.loadedAt));
      var seconds = Math.floor((Date.parse(el.dataset.deadline) - serverNow) / 1000);
      el.textContent = describe(seconds);
      colours.forEach(function (c) { el.classList.remove(c); });
      el.classList.add(colour(seconds));
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
  document.addEventListener("htmx:afterSwap", tick);
})();

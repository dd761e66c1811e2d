// Live countdowns: <span class="countdown" data-due="2027-01-01T10:00:00+00:00">…</span>
// Durations read as words in the page's language, as portal/timefmt.py writes them:
// "40 s", "3 min 40 s", "2 h 5 min", "1 day 3 h" (at most two units; "−" once overdue).
(function () {
  var WORDS = {
    en: { day: "day", days: "days" },
    pt: { day: "dia", days: "dias" }
  };
  function words() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("pt") === 0 ? WORDS.pt : WORDS.en;
  }
  function fmt(ms) {
    var w = words();
    var neg = ms <= -1000;
    var total = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(total / 86400), h = Math.floor(total / 3600) % 24;
    var m = Math.floor(total / 60) % 60, s = total % 60;
    var parts;
    if (d) parts = [d + " " + (d === 1 ? w.day : w.days)].concat(h ? [h + " h"] : []);
    else if (h) parts = [h + " h"].concat(m ? [m + " min"] : []);
    else if (m) parts = [m + " min"].concat(s ? [s + " s"] : []);
    else parts = [s + " s"];
    return (neg ? "−" : "") + parts.join(" ");
  }
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var ms = Date.parse(el.dataset.due) - Date.now();
      if (isNaN(ms)) return;
      el.textContent = fmt(ms);
      el.classList.toggle("overdue", ms < 0);
    });
  }
  window.portalDuration = fmt;
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();

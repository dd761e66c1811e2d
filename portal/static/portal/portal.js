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

// Selects that submit their form when changed (no inline handlers: the CSP forbids them).
document.addEventListener("change", function (event) {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.dataset.autosubmit !== undefined && el.form) {
    el.form.submit();
  }
});

// The open-case form: the severity and the response objective, live, before submitting
// (R-CASE-3/5/7). The rules come from the server as a JSON data element (no inline script).
(function () {
  // Compare two non-negative decimal strings exactly ("0.7500001" > "0.75"); null if not one.
  function parts(text) {
    const m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(text);
    if (!m || (m[1] === "" && !m[2])) return null;
    return [m[1].replace(/^0+/, ""), (m[2] || "").replace(/0+$/, "")];
  }
  function compare(a, b) {
    if (a[0].length !== b[0].length) return a[0].length < b[0].length ? -1 : 1;
    if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
    const n = Math.max(a[1].length, b[1].length);
    const fa = a[1].padEnd(n, "0"), fb = b[1].padEnd(n, "0");
    return fa === fb ? 0 : fa < fb ? -1 : 1;
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function setup(form) {
    const data = document.getElementById(form.dataset.severityRules);
    const out = document.getElementById("severity-preview");
    if (!data || !out) return;
    const rules = JSON.parse(data.textContent);
    const urgency = form.elements.urgency, impact = form.elements.impact;
    const share = form.elements.affected_share;
    function impactLevel() {
      if (impact && impact.value) return impact.value;
      if (!share || share.value.trim() === "") return "";
      const given = parts(share.value);
      if (!given || compare(given, parts("1")) > 0) return null;
      for (const [bound, level] of rules.bounds) {
        if (compare(given, parts(bound)) > 0) return level;
      }
      return rules.lowest;
    }
    function update() {
      const level = impactLevel();
      out.classList.remove("warn");
      if (level === null) { out.textContent = rules.text.out_of_range; out.classList.add("warn"); return; }
      const severity = urgency && urgency.value && level ? rules.matrix[urgency.value][level] : "";
      if (!severity) { out.textContent = rules.text.incomplete; return; }
      const objective = rules.objectives[severity];
      let text = fill(rules.text.result, { severity: objective.label, respond: objective.respond });
      if (objective.phone) text += " " + fill(rules.text.phone, { phone: rules.tac_phone });
      out.textContent = text;
      out.dataset.severity = severity;
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-severity-rules]").forEach(setup);
  });
})();

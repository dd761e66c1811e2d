// Live countdowns: <span class="countdown" data-due="2027-01-01T10:00:00+00:00">…</span>
(function () {
  function fmt(ms) {
    const neg = ms < 0; ms = Math.abs(ms);
    const d = Math.floor(ms / 86400000), h = Math.floor(ms / 3600000) % 24, m = Math.floor(ms / 60000) % 60;
    const s = (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m";
    return neg ? "−" + s : s;
  }
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      const ms = Date.parse(el.dataset.due) - Date.now();
      if (isNaN(ms)) return;
      el.textContent = fmt(ms);
      el.classList.toggle("overdue", ms < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
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

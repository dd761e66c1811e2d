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

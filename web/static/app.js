// Keyboard triage for the queue and candidate pages. Served from /static so the page's
// Content-Security-Policy can forbid inline script; the pages work without it (plain forms).
"use strict";
(function () {
  const typing = (el) => el && el.closest && el.closest("input, textarea, select, button, [contenteditable]");

  // -- queue page -------------------------------------------------------------------------
  function queuePage() {
    const rows = Array.from(document.querySelectorAll("table.queue tr[data-slug]"));
    const act = document.getElementById("act");
    if (!rows.length || !act) return;
    let cur = 0;
    const wanted = decodeURIComponent(location.hash.replace(/^#c-/, ""));
    const found = rows.findIndex((r) => r.dataset.slug === wanted);
    if (found >= 0) cur = found;

    function select(i) {
      rows[cur].classList.remove("current");
      cur = Math.max(0, Math.min(rows.length - 1, i));
      rows[cur].classList.add("current");
      rows[cur].scrollIntoView({ block: "nearest" });
    }
    select(cur);
    rows.forEach((row, i) => row.addEventListener("click", (e) => { if (!typing(e.target)) select(i); }));

    function open(action, label, needs) {
      const row = rows[cur];
      const slug = row.dataset.slug;
      act.action = act.dataset.actionBase + encodeURIComponent(slug) + "/status";
      act.elements.action.value = action;
      // After the action, come back to the row that follows (the acted-on one leaves the list).
      const next = rows[cur + 1] || rows[cur - 1];
      act.elements.focus.value = next ? next.dataset.slug : "";
      act.querySelector(".act-title").textContent = label + ": " + row.querySelector(".name").textContent;
      act.querySelectorAll("label[data-for]").forEach((l) => { l.hidden = l.dataset.for !== needs; });
      if (needs === "snooze" && !act.elements.until.value) {
        const d = new Date(Date.now() + 7 * 86400000);
        act.elements.until.value = d.toISOString().slice(0, 10);
      }
      if (!needs) { act.submit(); return; }
      act.hidden = false;
      const input = act.querySelector('label[data-for="' + needs + '"] input');
      if (input) input.focus();
    }
    function close() { act.hidden = true; document.activeElement && document.activeElement.blur(); }
    act.querySelector(".act-cancel").addEventListener("click", close);
    act.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } });

    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const row = rows[cur];
      switch (e.key) {
        case "j": select(cur + 1); break;
        case "k": select(cur - 1); break;
        case "a": open("accept", "Accept", null); break;
        case "r": open("reject", "Reject", "reject"); break;
        case "d": open("duplicate", "Duplicate", "duplicate"); break;
        case "s": open("snooze", "Snooze", "snooze"); break;
        case "e": location.href = row.querySelector("a.name").href + "#edit"; break;
        case "o": case "Enter": location.href = row.querySelector("a.name").href; break;
        case "x": { const box = row.querySelector('input[type="checkbox"]'); box.checked = !box.checked; break; }
        case "u": { const undo = document.getElementById("undo"); if (!undo) return; undo.submit(); break; }
        default: return;
      }
      e.preventDefault();
    });
  }

  // -- candidate page ---------------------------------------------------------------------
  function candidatePage() {
    const page = document.querySelector("article.candidate");
    if (!page) return;
    const focus = (sel) => { const el = document.querySelector(sel); if (el) { el.focus(); el.select && el.select(); } };
    function edit() {
      const first = document.querySelector("section.fields details");
      if (!first) return;
      first.open = true;
      const input = first.querySelector("input[name=value], textarea, select");
      if (input) input.focus();
    }
    if (location.hash === "#edit") edit();
    livePreview();
    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e.target)) { if (e.key === "Escape") e.target.blur(); return; }
      switch (e.key) {
        case "a": document.getElementById("do-accept").submit(); break;
        case "r": focus("#do-reject input[name=reason]"); break;
        case "d": focus("#do-duplicate input[name=of]"); break;
        case "s": focus("#do-snooze input[name=until]"); break;
        case "e": edit(); break;
        case "u": location.href = "/queue"; break;
        default: return;
      }
      e.preventDefault();
    });
  }

  // The preview card follows the edit boxes as the editor types: each box names its field
  // (data-preview-for), each place in the card that shows it says which (data-preview).
  // Text only (textContent): nothing typed is ever read as markup.
  function livePreview() {
    const card = document.querySelector(".preview .site-card");
    if (!card) return;
    const places = (field) => card.querySelectorAll('[data-preview="' + field + '"]');
    card.querySelectorAll("[data-preview]").forEach((el) => { el.dataset.saved = el.textContent; });
    const also = { tagline: ["best_for"], name: ["initial"] };
    document.querySelectorAll("[data-preview-for]").forEach((box) => {
      const field = box.dataset.previewFor;
      const update = () => {
        const text = box.value.trim();
        [field, ...(also[field] || [])].forEach((f) => places(f).forEach((el) => {
          const value = f === "initial" ? text.slice(0, 1).toUpperCase() : text;
          el.textContent = text ? value : el.dataset.saved;
          el.classList.toggle("edited", Boolean(text) && text !== el.dataset.saved);
        }));
      };
      box.addEventListener("input", update);
    });
  }

  // Ask before a bulk action touches many candidates at once.
  function bulk() {
    const form = document.getElementById("bulk");
    if (!form) return;
    form.addEventListener("submit", (e) => {
      const n = document.querySelectorAll('input[form="bulk"][name="slug"]:checked').length;
      if (!n) { e.preventDefault(); alert("Select candidates first (x, or the checkboxes)."); return; }
      if (!confirm(form.elements.action.value + " " + n + " candidate(s)?")) e.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", () => { queuePage(); candidatePage(); bulk(); });
})();

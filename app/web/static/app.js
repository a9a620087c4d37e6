// ClusterCase pages: small enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (event) {
  // No double submit: a form's buttons are disabled while it is being sent.
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  if (form.dataset.submitting === "1") { event.preventDefault(); return; }
  form.dataset.submitting = "1";
  var busy = form.getAttribute("data-busy-text");
  form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
    button.setAttribute("aria-disabled", "true");
    if (busy) { button.dataset.label = button.textContent; button.textContent = busy; }
  });
  var status = form.querySelector("[data-busy-status]");
  if (status && busy) status.textContent = busy;
});
// Confirmation before a consequential action (publish, withdraw, delete): data-confirm="…".
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form instanceof HTMLFormElement && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    form.dataset.submitting = "";
  }
}, true);
// A page shown again from the back/forward cache gets its buttons back.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitting='1']").forEach(function (form) {
    form.dataset.submitting = "";
    form.querySelectorAll("button[data-label]").forEach(function (b) { b.textContent = b.dataset.label; });
    form.querySelectorAll("button[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); });
  });
});
// The error summary takes the focus, so a screen reader announces what to fix.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

// The staff issuing form, enhanced (it works without this script too):
// - choosing a restriction fills in its usual DSA decision values and restricted capabilities,
//   unless staff already changed those fields themselves;
// - choosing a reason code ticks the version of its rule;
// - the notice-period exception is shown only for a permanent termination (or when filled in).
(function () {
  "use strict";

  const form = document.getElementById("issue-form");
  if (!form) {
    return;
  }
  const defaults = JSON.parse(form.dataset.decisionDefaults || "{}");
  const restriction = form.elements.namedItem("restriction_type");
  const reasonCode = form.elements.namedItem("reason_code");
  const termination = document.getElementById("termination-fields");
  const decisionSelects = ["decision_account", "decision_provision", "decision_monetary"];
  const touched = new Set();

  function checkboxes(name) {
    return Array.from(form.querySelectorAll(`input[type="checkbox"][name="${name}"]`));
  }

  // Fields staff changed by hand keep their values when the restriction changes.
  for (const name of [...decisionSelects, "restricted_capabilities"]) {
    form.addEventListener("change", (event) => {
      if (event.isTrusted && event.target.name === name) {
        touched.add(name);
      }
    });
  }

  function applyDefaults() {
    const values = defaults[restriction.value];
    if (!values) {
      return;
    }
    for (const name of decisionSelects) {
      const select = form.elements.namedItem(name);
      if (select && !touched.has(name)) {
        select.value = values[name] || "";
      }
    }
    if (!touched.has("restricted_capabilities")) {
      const wanted = new Set(values.restricted_capabilities || []);
      for (const box of checkboxes("restricted_capabilities")) {
        box.checked = wanted.has(box.value);
      }
    }
  }

  function showTermination() {
    if (!termination) {
      return;
    }
    const exception = form.elements.namedItem("termination_exception");
    const reason = form.elements.namedItem("termination_exception_reason");
    const filled = (exception && exception.value) || (reason && reason.value.trim());
    const hasErrors = termination.querySelector(".errorlist");
    termination.hidden = !(
      restriction.value === "permanent_termination" || filled || hasErrors
    );
  }

  function tickRuleOfReasonCode() {
    const option = reasonCode.selectedOptions[0];
    const rule = option && option.dataset.rule;
    if (!rule) {
      return;
    }
    for (const box of checkboxes("cited_versions")) {
      if (box.dataset.rule === rule) {
        box.checked = true;
      }
    }
  }

  if (restriction) {
    restriction.addEventListener("change", () => {
      applyDefaults();
      showTermination();
    });
    showTermination();
  }
  if (reasonCode) {
    reasonCode.addEventListener("change", tickRuleOfReasonCode);
  }
})();

// The reviewer's workspace, keyboard shortcuts (the page works without this script).
// Each target carries aria-keyshortcuts, so screen readers announce the key; the list is also
// on the page ("Keyboard shortcuts"). Keys act only when the reviewer is not typing in a field
// and holds no modifier, so they never steal a letter from a message.
(function () {
  "use strict";

  const workspace = document.getElementById("review-panel");
  if (!workspace) {
    return;
  }

  function isTyping(target) {
    if (!(target instanceof Element)) {
      return false;
    }
    return target.isContentEditable || target.closest("input, textarea, select") !== null;
  }

  function focusField(shortcut) {
    const field = document.querySelector(`textarea[aria-keyshortcuts="${shortcut}"]`);
    if (!field) {
      return false;
    }
    const section = field.closest("details");
    if (section) {
      section.open = true;
    }
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  function claimNext() {
    const button = document.querySelector('button[aria-keyshortcuts="c"]');
    if (!button) {
      return false;
    }
    button.click();
    return true;
  }

  function toggleHelp() {
    const help = document.getElementById("shortcuts");
    if (!help) {
      return false;
    }
    help.open = !help.open;
    if (help.open) {
      help.querySelector("summary").focus();
    }
    return true;
  }

  const actions = {
    r: () => focusField("r"),
    n: () => focusField("n"),
    i: () => focusField("i"),
    c: claimNext,
    "?": toggleHelp,
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    const action = actions[event.key];
    if (action && action()) {
      event.preventDefault();
    }
  });
})();

// The database's filters, when JavaScript runs (without it the panel opens by
// its summary and the "Apply filters" button submits the form):
// - a changed checkbox or sort applies at once;
// - an empty search and the default order stay out of the address;
// - the panel is open on a wide screen, and stays open after a change on a
//   narrow one, with the focus back on the control that was changed.
// A file, not an inline script, because the Content-Security-Policy allows
// only this site's scripts.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-apply-on-change]");
  var panel = document.getElementById("filters");
  if (!form || !panel) {
    return;
  }
  var KEY = "database-filters-changed";
  var wide = window.matchMedia("(min-width: 992px)");
  var remembered = null;
  try {
    remembered = window.sessionStorage.getItem(KEY);
    window.sessionStorage.removeItem(KEY);
  } catch (e) {
    remembered = null; // storage refused (private browsing): nothing to restore
  }
  if (wide.matches || remembered) {
    panel.open = true;
  }
  if (remembered) {
    var changed = JSON.parse(remembered);
    var selector = "[name='" + CSS.escape(changed.name) + "']";
    if (changed.type === "checkbox") {
      selector += "[value='" + CSS.escape(changed.value) + "']";
    }
    var control = form.querySelector(selector);
    if (control) {
      control.focus();
    }
  }
  var button = form.querySelector("[data-apply-button]");
  if (button) {
    button.hidden = true;
  }
  // A short address to share: no empty search, no default order.
  form.addEventListener("formdata", function (event) {
    if (!String(event.formData.get("q") || "").trim()) {
      event.formData.delete("q");
    }
    if (event.formData.get("sort") === "name") {
      event.formData.delete("sort");
    }
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type !== "checkbox" && target.tagName !== "SELECT") {
      return;
    }
    try {
      window.sessionStorage.setItem(
        KEY,
        JSON.stringify({ name: target.name, value: target.value, type: target.type }),
      );
    } catch (e) {
      // Private browsing may refuse storage: the change still applies.
    }
    // The focus returns to this control, not to the results the form's
    // address points at (that is for the button, without JavaScript).
    form.action = form.action.split("#")[0];
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
});

// An error summary takes the focus when the page loads, so keyboard and screen
// reader users start at the list of what to correct. A file, not an inline
// script, because the Content-Security-Policy allows only this site's scripts.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});

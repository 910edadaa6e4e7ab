// The admin's date and time fields are in AASC's time zone (America/Denver), whatever the
// browser's. Django's widgets warn "You are N hours ahead of server time" to anyone outside
// Denver; say instead, calmly and once per time field, which zone the times are in. The
// "Now" shortcut already fills in Denver's time.
document.addEventListener("DOMContentLoaded", function () {
  const shortcuts = window.DateTimeShortcuts;
  if (!shortcuts) {
    return;
  }
  shortcuts.addTimezoneWarning = function (input) {
    if (!input.classList.contains("vTimeField")) {
      return;
    }
    if (input.parentNode.querySelector(".denver-time-note")) {
      return;
    }
    const note = document.createElement("div");
    note.classList.add("help", "denver-time-note");
    note.textContent = "Mountain Time (Denver), AASC's time zone.";
    input.parentNode.appendChild(note);
  };
});

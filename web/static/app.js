// policywatch web view: progressive enhancement only; every page reads
// fine without it. Times are rendered in UTC by the server; this shows
// them in the reader's own time zone, keeping UTC in the tooltip.
(function () {
  "use strict";
  if (typeof Intl === "undefined" || !Intl.DateTimeFormat) {
    return;
  }
  var local = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  // data-local="day": the day alone (the change view's links to the
  // previous and next change).
  var day = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric"
  });
  // The title's day (an event's), as the page's: in the reader's zone.
  var title = document.querySelector("title[data-day]");
  if (title) {
    var t = new Date(title.getAttribute("data-day"));
    if (!isNaN(t.getTime())) {
      document.title = title.getAttribute("data-before") + day.format(t) + title.getAttribute("data-after");
    }
  }
  var times = document.querySelectorAll("time[data-local]");
  // The page says its times are UTC, which they are until this runs.
  var note = document.getElementById("time-note");
  if (note) {
    note.textContent = "Times are in your time zone; hover over one for UTC.";
  }
  for (var i = 0; i < times.length; i++) {
    var el = times[i];
    var d = new Date(el.getAttribute("datetime"));
    if (!isNaN(d.getTime())) {
      el.textContent = (el.getAttribute("data-local") === "day" ? day : local).format(d);
    }
  }
})();

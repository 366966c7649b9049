/* Phone pages of plan tasks: photo names, one submit per tap, and the position for check-ins.
 * Plain ES5 so older WeChat webviews run it. Texts come translated in data- attributes. */
(function () {
  "use strict";

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // The file inputs hide behind a camera button: say which photo was taken.
  each("[data-photo-input]", document, function (input) {
    input.addEventListener("change", function () {
      var out = input.closest(".mb-3").querySelector("[data-photo-name]");
      if (out) { out.textContent = input.files.length ? input.files[0].name : out.getAttribute("data-none"); }
    });
  });

  // A second tap while a slow phone uploads would send the check-in twice.
  each("form[data-once]", document, function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        each("button[type=submit]", form, function (button) { button.disabled = true; });
      }, 0);
    });
  });

  function locate(form, done) {
    var lat = form.querySelector("input[name=latitude]");
    var lng = form.querySelector("input[name=longitude]");
    if (!lat || !lng || !navigator.geolocation) { done(false); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      done(true, pos.coords.accuracy);
    }, function () {
      done(false);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // "Found a problem": the position goes with the report if the phone gives it.
  each("form[data-geo-optional]", document, function (form) {
    var asked = false;
    form.addEventListener("focusin", function () {
      if (!asked) { asked = true; locate(form, function () {}); }
    });
  });

  var form = document.getElementById("checkin-form");
  if (!form) { return; }
  var method = form.querySelector("input[name=method]");
  var note = form.querySelector("textarea[name=note]");
  var submit = form.querySelector("button[type=submit]");
  var status = form.querySelector("[data-geo-status]");
  var toggle = form.querySelector("[data-manual-toggle]");

  function show(kind, text) {
    if (!status) { return; }
    status.className = "alert py-2 alert-" + kind;
    status.querySelector("[data-geo-text]").textContent = text;
  }

  function setManual(on) {
    method.value = on ? "manual" : "gps";
    if (note) { note.required = on; }
    if (toggle) { toggle.checked = on; }
    submit.disabled = false;
  }

  if (toggle) {
    toggle.addEventListener("change", function () { setManual(toggle.checked); });
  }

  if (form.getAttribute("data-geo") !== "required") {
    // Scanned by QR (or entered by hand): the position is extra evidence, never a condition.
    locate(form, function () {});
    return;
  }
  submit.disabled = true;
  locate(form, function (found, accuracy) {
    if (method.value === "manual") { submit.disabled = false; return; }
    if (found) {
      method.value = "gps";
      submit.disabled = false;
      show("success", status.getAttribute("data-found").replace("{n}", Math.round(accuracy)));
    } else if (form.getAttribute("data-can-enter")) {
      setManual(true);
      show("warning", status.getAttribute("data-manual"));
    } else {
      show("warning", status.getAttribute("data-denied"));
    }
  });
})();

/* Phone pages of inspections: photo names, one submit per tap, the position of each answer, and
 * the score field only when it counts. Plain ES5 so older WeChat webviews run it. Texts come
 * translated in data- attributes. */
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

  // A second tap while a slow phone uploads would send the answer twice.
  each("form[data-once]", document, function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        each("button[type=submit]", form, function (button) { button.disabled = true; });
      }, 0);
    });
  });

  // A 0–N item scores nothing when it does not apply.
  var scoreBox = document.querySelector("[data-score-field]");
  if (scoreBox) {
    var sync = function () {
      var na = document.querySelector("input[name=outcome][value=na]");
      var hide = na && na.checked;
      scoreBox.style.display = hide ? "none" : "";
      if (hide) { scoreBox.querySelector("input").value = ""; }
    };
    each("input[name=outcome]", document, function (input) { input.addEventListener("change", sync); });
    sync();
  }

  // The position goes with every answer when the phone gives it; never a condition.
  var status = document.querySelector("[data-geo-status]");

  function show(text) {
    if (status) { status.querySelector("[data-geo-text]").textContent = text; }
  }

  if (!document.querySelector("form[data-geo]")) { return; }
  if (!navigator.geolocation) {
    if (status) { show(status.getAttribute("data-none")); }
    return;
  }

  navigator.geolocation.getCurrentPosition(function (pos) {
    each("form[data-geo]", document, function (form) {
      var lat = form.querySelector("input[name=latitude]");
      var lng = form.querySelector("input[name=longitude]");
      if (lat && lng) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
      }
    });
    if (status) { show(status.getAttribute("data-found").replace("{n}", Math.round(pos.coords.accuracy))); }
  }, function () {
    if (status) { show(status.getAttribute("data-none")); }
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
})();

// Progressive enhancement for the web chat: share the browser's location
// when the bot asks for it, and keep the latest message in view. The chat
// works without this file (type a place name instead).
(function () {
  "use strict";
  var form = document.querySelector("[data-location-form]");
  if (form && "geolocation" in navigator) {
    form.hidden = false;
    var button = form.querySelector("[data-share-location]");
    var status = form.querySelector("[data-location-status]");
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.getAttribute("data-wait") || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(5);
        form.querySelector("input[name=lon]").value = position.coords.longitude.toFixed(5);
        form.submit();
      }, function () {
        button.disabled = false;
        status.textContent = form.getAttribute("data-denied") || "";
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
    });
  }
  var latest = document.getElementById("latest");
  if (latest && latest.scrollIntoView) {
    latest.scrollIntoView({ block: "end" });
  }
})();

// "Use my location" on the portal's facility form: fills latitude and
// longitude from the phone's position. The fields stay editable; refused or
// unavailable, it says so beside the button and the fields are left as
// they were. Loaded only by the facility form (never on consumer pages).
(function () {
  "use strict";
  var lat = document.getElementById("f-latitude");
  var lon = document.getElementById("f-longitude");
  if (!lat || !lon) return;
  var vi = (document.documentElement.lang || "vi") !== "en";
  var t = function (v, e) { return vi ? v : e; };
  var box = document.createElement("p");
  var button = document.createElement("button");
  button.type = "button";
  button.id = "use-location";
  button.textContent = t("Dùng vị trí của tôi", "Use my location");
  var status = document.createElement("span");
  status.id = "location-status";
  status.setAttribute("role", "status");
  status.className = "hint";
  box.appendChild(button);
  box.appendChild(document.createTextNode(" "));
  box.appendChild(status);
  var field = lat.closest("p, div, label") || lat;
  field.parentNode.insertBefore(box, field);
  var fallback = t(
    "Không lấy được vị trí. Hãy nhập vĩ độ và kinh độ (có thể chép từ ứng dụng bản đồ).",
    "Could not get the position. Type the latitude and longitude (you can copy them from a maps app)."
  );
  button.addEventListener("click", function () {
    if (!navigator.geolocation) {
      status.textContent = fallback;
      return;
    }
    status.textContent = t("Đang lấy vị trí…", "Getting the position…");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        var metres = Math.round(pos.coords.accuracy || 0);
        status.textContent = t("Đã điền vị trí (sai số khoảng ", "Position filled in (accurate to about ") +
          metres + " m). " + t("Có thể sửa lại.", "You can still edit it.");
      },
      function (err) {
        status.textContent = (err && err.code === 1
          ? t("Bạn đã không cho phép lấy vị trí. ", "Location permission was refused. ")
          : "") + fallback;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();

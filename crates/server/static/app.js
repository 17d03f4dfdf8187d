// Small improvements on top of pages that work without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Show which password rules the new password meets, as the user types.
  var input = document.getElementById("new_password");
  if (input) {
    var rules = {
      len: function (p) { return Array.from(p).length >= 8; },
      upper: function (p) { return p !== p.toLowerCase(); },
      lower: function (p) { return p !== p.toUpperCase(); },
      digit: function (p) { return /[0-9]/.test(p); },
      special: function (p) { return /[^\p{L}\p{N}]/u.test(p); }
    };
    var update = function () {
      document.querySelectorAll("[data-rule]").forEach(function (li) {
        var ok = rules[li.dataset.rule](input.value);
        li.classList.toggle("met", ok);
        li.classList.toggle("unmet", !ok);
      });
    };
    input.addEventListener("input", update);
    update();
  }
});

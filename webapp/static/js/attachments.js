/* The attachment field (templates/attachments/_field.html): a file past the size limit is
   named at once and the form is not sent, so nothing typed is lost to a refused upload. The
   server checks size and type again; without JavaScript it says the same after submitting. */
(function () {
  "use strict";
  function tooBig(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var files = input.files || [];
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > limit) { return files[i].name; }
    }
    return null;
  }
  function check(input) {
    var name = tooBig(input);
    var error = document.getElementById(input.id + "-error");
    var field = input.closest(".field");
    if (name === null) {
      if (error && input.getAttribute("data-js-error") === "1") {
        error.hidden = true; error.textContent = "";
        input.removeAttribute("aria-invalid");
        input.removeAttribute("data-js-error");
        if (field) { field.classList.remove("has-error"); }
      }
      return true;
    }
    if (error) {
      error.textContent = input.getAttribute("data-too-big").replace("{name}", name);
      error.hidden = false;
      error.setAttribute("role", "alert");
    }
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("data-js-error", "1");
    if (field) { field.classList.add("has-error"); }
    return false;
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-max-bytes]"), function (input) {
    input.addEventListener("change", function () { check(input); });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!check(input)) { event.preventDefault(); input.focus(); }
      });
    }
  });
})();

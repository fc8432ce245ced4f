// The "Copy" button beside a link: shown only where the browser can copy to the clipboard.
(function () {
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-fb-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-fb-copy"));
    var status = button.parentNode.querySelector("[role=status]");
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-fb-copied"); }
      }, function () {
        field.select();  // no permission: leave it selected for the keyboard's copy
      });
    });
  });
})();

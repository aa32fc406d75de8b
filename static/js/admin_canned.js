// A thread's "Réponse type": choosing one fills the answer below with its text, for staff to
// read and complete before they save; nothing is sent by choosing. Without JavaScript, the
// "Reprendre la réponse type" button does the same through the server.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-canned-texts]").forEach(function (select) {
    var texts = JSON.parse(select.getAttribute("data-canned-texts"));
    var answer = document.getElementById(select.getAttribute("data-fills"));
    var button = select.parentElement.querySelector("button[name=_use_canned]");
    if (button) {
      button.hidden = true;
    }
    select.addEventListener("change", function () {
      var text = texts[select.value];
      if (!text || !answer) {
        return;
      }
      answer.value = answer.value.trim() ? text + "\n\n" + answer.value : text;
      answer.focus();
    });
  });
});

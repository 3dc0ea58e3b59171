// A button with data-fill="ID" puts its data-text into the field with that id (a handbook answer into the
// answer of a demand); the officer then reads and adapts it before submitting.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-fill]");
  if (!button) return;
  const field = document.getElementById(button.dataset.fill);
  if (!field) return;
  field.value = button.dataset.text;
  field.focus();
});

// A select with data-hide="SELECTOR" and data-hide-when="VALUE …" hides that part of its own form while one of
// the values is chosen (the city reference of a transfer that the 津产发 integration pushes).
function applyHide(select) {
  const target = select.form && select.form.querySelector(select.dataset.hide);
  if (target) target.hidden = select.dataset.hideWhen.split(" ").includes(select.value);
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-hide]")) applyHide(event.target);
});
document.querySelectorAll("select[data-hide]").forEach(applyHide);

// A form with data-reset-after-request is emptied once htmx has posted it successfully (a problem added to a
// reply: the form is ready for the next one) — not when the answer says it was refused: what was typed stays,
// to be corrected.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  const refused = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Demandloop-Refused");
  if (event.detail.successful && !refused && form.matches && form.matches("form[data-reset-after-request]")) {
    form.reset();
  }
});

// A dropdown of checkboxes (data-multi-select) names on its button what is chosen: "—" for nothing, the labels
// of one or two, else how many (data-many, "{n} chosen").
function summariseMulti(box) {
  const chosen = [...box.querySelectorAll("input[type=checkbox]:checked")].map(
    (input) => box.querySelector(`label[for="${input.id}"]`).textContent.trim(),
  );
  const button = box.querySelector("[data-bs-toggle=dropdown]");
  if (chosen.length > 2) {
    button.textContent = box.dataset.many.replace("{n}", chosen.length);
    return;
  }
  button.replaceChildren(
    ...chosen.map((text) => Object.assign(document.createElement("span"), { textContent: text })),
  );
}
document.addEventListener("change", (event) => {
  const box = event.target.closest("[data-multi-select]");
  if (box) summariseMulti(box);
});
document.querySelectorAll("[data-multi-select]").forEach(summariseMulti);

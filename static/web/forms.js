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

// A field's block with data-asked-by="NAME" and data-asked-when="VALUE …" is shown only while the control NAME
// of its form (a select, or radio buttons) has one of the values: the 12345 work-order number for a 12345
// demand, the reason for a demand out of scope (web.forms.ask_when; the server renders the first state).
function currentValue(form, name) {
  const controls = [...form.elements].filter((element) => element.name === name);
  const radios = controls.filter((element) => element.type === "radio");
  if (radios.length) return (radios.find((radio) => radio.checked) || { value: "" }).value;
  return controls.length ? controls[0].value : "";
}
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (!form || !event.target.name) return;
  form.querySelectorAll("[data-asked-by]").forEach((block) => {
    if (block.dataset.askedBy !== event.target.name) return;
    block.hidden = !block.dataset.askedWhen.split(" ").includes(currentValue(form, event.target.name));
  });
});

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

// A field changed after a refusal loses its error: the message was about the value it no longer has. The
// enterprise of a registration keeps its own until one is chosen (typing a search does not choose one).
function clearError(event) {
  const block = event.target.closest && event.target.closest("form .mb-3:not([data-keeps-error])");
  if (!block || !block.querySelector(".invalid-feedback")) return;
  block.querySelectorAll(".is-invalid").forEach((element) => element.classList.remove("is-invalid"));
  block.querySelectorAll(".invalid-feedback").forEach((element) => element.remove());
}
document.addEventListener("input", clearError);
document.addEventListener("change", clearError);
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target.id !== "enterprise-chosen" || !target.textContent.trim()) return;
  const block = target.closest("[data-keeps-error]");
  if (block) block.querySelectorAll(".invalid-feedback").forEach((element) => element.remove());
});

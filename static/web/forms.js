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

// Progressive enhancement only: every page works without this script.
// - [data-copy="#id"] buttons copy the named field's value to the clipboard;
// - forms with [data-confirm] ask before they post.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) return;
  navigator.clipboard.writeText(source.value ?? source.textContent).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
for (const button of document.querySelectorAll("[data-copy]")) button.hidden = false;

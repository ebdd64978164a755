// Copy and print buttons for a letter page: shown only when the browser can do them.
const status = document.querySelector('.app-copy-status')
for (const button of document.querySelectorAll('[data-copy-target]')) {
  if (!navigator.clipboard) continue
  button.hidden = false
  button.addEventListener('click', async () => {
    const text = document.getElementById(button.dataset.copyTarget).value
    await navigator.clipboard.writeText(text)
    if (status) status.textContent = 'Copied.'
  })
}
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}

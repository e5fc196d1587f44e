// On a phone the chain menu is one row that scrolls sideways: bring the current page into view.
document.addEventListener("DOMContentLoaded", () => {
  const current = document.querySelector('.chain-nav [aria-current="page"]');
  const row = current && current.closest("ul");
  if (row && row.scrollWidth > row.clientWidth) {
    row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  }
});

// A product's public page: choosing a variant shows its price and carries
// the choice to the fan app's product sheet. The page works without it.
const select = document.getElementById("variant");
const buy = document.getElementById("buy");

function show() {
  const option = select.selectedOptions[0];
  if (!option) return;
  document.getElementById("price-now").textContent = option.dataset.price;
  const was = document.getElementById("price-was");
  if (was) {
    was.hidden = !option.dataset.compareAt;
    document.getElementById("price-was-amount").textContent = option.dataset.compareAt || "";
  }
  if (buy) buy.href = `${buy.dataset.base}/${encodeURIComponent(option.value)}`;
}

if (select) {
  select.addEventListener("change", show);
  show();
}

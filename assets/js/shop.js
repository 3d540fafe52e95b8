// BopShop in the fan app: an artist's products, a product sheet with its
// options, a cart per artist kept on this device, checkout (a shipping
// address only when something ships), the total with shipping before
// paying, payment with test money (sandbox) or Stripe's card form, the
// receipt, and "My orders". One dialog, one view at a time.
// `#shop/product/{id}[/{variant}]` opens a product (the public page's Buy).
import { bytes, plural } from "./format.js";
import { loadStripe } from "./stripe.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["products", "product", "cart", "checkout", "receipt", "orders"];
const MAX_QUANTITY = 99;

let api = null;
let ready = false;
let shop = null;          // the artist whose shop is open: {id, name}
let productsCursor = null;
let product = null;       // the ProductView on the sheet
let chosen = null;        // its chosen variant
let ordersCursor = null;
let order = null;         // the started order being paid: {started, artistId}
let back = null;          // what "← Back" does in the current view
const problems = new Map(); // variant id → why that cart line cannot be bought now

// Minor units in the currency's own exponent (JPY has none, USD two).
export function money(minor, currency) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency });
  return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
}

const when = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

// The app's confirm_url is a full API path; api() adds the /api/v1 prefix.
const apiPath = (url) => url.replace(/^\/api\/v1/, "");

export function setUpShop(apiCall) {
  api = apiCall;
  $("orders-open").hidden = false;
  if (ready) return openFromHash();
  ready = true;
  $("shop-back").addEventListener("click", () => back && back());
  $("shop-products-more").addEventListener("click", () => loadProducts().catch(showLoadError));
  $("shop-cart-open").addEventListener("click", () => openCart(shop));
  $("shop-to-cart").addEventListener("click", () => openCart(shop));
  $("shop-add-form").addEventListener("submit", addToCart);
  $("shop-quantity").addEventListener("input", () => ($("shop-added").textContent = ""));
  $("shop-checkout").addEventListener("click", openCheckout);
  $("shop-address-form").addEventListener("submit", startOrder);
  $("shop-pay").addEventListener("click", payWithTestMoney);
  $("orders-open").addEventListener("click", () => openOrders().catch(showLoadError));
  $("orders-more").addEventListener("click", () => loadOrders().catch(showLoadError));
  $("shop-dialog").addEventListener("close", () => {
    if (location.hash.startsWith("#shop/")) history.replaceState(null, "", location.pathname + location.search);
  });
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
}

function openFromHash() {
  const match = location.hash.match(/^#shop\/product\/([\w-]+)(?:\/([\w-]+))?$/);
  if (match) openProduct(match[1], match[2]).catch(showLoadError);
}

// Shows one view of the dialog, opening it if needed; focus goes to the title.
function show(view, title, onBack = null) {
  for (const name of VIEWS) $(`shop-view-${name}`).hidden = name !== view;
  $("shop-title").textContent = title;
  back = onBack;
  $("shop-back").hidden = !onBack;
  const dialog = $("shop-dialog");
  if (!dialog.open) dialog.showModal();
  dialog.scrollTop = 0;
  $("shop-title").focus();
}

function showLoadError(error) {
  for (const name of VIEWS) $(`shop-view-${name}`).hidden = true;
  $("shop-title").textContent = error.status === 404 ? "This is no longer for sale." : error.message;
  if (!$("shop-dialog").open) $("shop-dialog").showModal();
}

function setError(id, message) {
  $(id).textContent = message || "";
  $(id).hidden = !message;
}

// --- The cart: one per artist, in localStorage -----------------------------

const cartKey = (artistId) => `boptone_cart_${artistId}`;

function readCart(artistId) {
  try {
    const cart = JSON.parse(localStorage.getItem(cartKey(artistId)));
    if (cart && Array.isArray(cart.lines)) return cart;
  } catch { /* a damaged cart starts over */ }
  return { artist_name: "", lines: [] };
}

function writeCart(artistId, cart) {
  if (cart.lines.length) localStorage.setItem(cartKey(artistId), JSON.stringify(cart));
  else localStorage.removeItem(cartKey(artistId));
  updateCartButton();
}

function updateCartButton() {
  if (!shop) return;
  const units = readCart(shop.id).lines.reduce((sum, l) => sum + l.quantity, 0);
  for (const id of ["shop-cart-open", "shop-to-cart"]) {
    $(id).textContent = units ? `Cart (${plural(units, "item")})` : "Cart";
  }
  $("shop-cart-open").hidden = units === 0;
}

// --- An artist's products ---------------------------------------------------

export async function openArtistShop(artist) {
  shop = { id: artist.id, name: artist.name || "@" + artist.handle };
  productsCursor = null;
  $("shop-products").innerHTML = "";
  $("shop-products-empty").hidden = true;
  show("products", `${shop.name} · Shop`);
  updateCartButton();
  await loadProducts().catch(showLoadError);
}

async function loadProducts() {
  const cursor = productsCursor ? `&cursor=${encodeURIComponent(productsCursor)}` : "";
  const page = await api("GET", `/artists/${shop.id}/products?limit=20${cursor}`);
  for (const item of page.items) {
    const li = document.createElement("li");
    li.innerHTML = `<button type="button" class="shop-tile"><img alt="" width="160" height="160"><strong></strong><small></small></button>`;
    const img = li.querySelector("img");
    if (item.cover_url) img.src = item.cover_url; else img.replaceWith(Object.assign(document.createElement("span"), { className: "cover-empty" }));
    li.querySelector("strong").textContent = item.title;
    li.querySelector("small").textContent = item.price ? `from ${item.price}` : "";
    li.querySelector("button").addEventListener("click", () => openProduct(item.id, null, true).catch(showLoadError));
    $("shop-products").append(li);
  }
  productsCursor = page.next_cursor;
  $("shop-products-more").hidden = !productsCursor;
  $("shop-products-empty").hidden = $("shop-products").children.length > 0;
}

// --- The product sheet ------------------------------------------------------

async function openProduct(id, variantId = null, fromList = false) {
  const view = await api("GET", `/products/${encodeURIComponent(id)}`);
  product = view;
  if (!shop || shop.id !== view.artist_id) shop = { id: view.artist_id, name: view.artist_name || "The artist" };
  const backToList = fromList ? () => show("products", `${shop.name} · Shop`) : () => openArtistShop({ id: shop.id, name: shop.name });
  show("product", view.title, backToList);
  const photos = $("shop-photos");
  photos.innerHTML = "";
  view.photos.forEach((photo, i) => {
    if (!photo.url) return;
    const img = document.createElement("img");
    img.src = photo.url;
    img.alt = i === 0 ? view.title : `${view.title}, photo ${i + 1}`;
    photos.append(img);
  });
  // Sanitized by the server when the artist saved it.
  $("shop-description").innerHTML = view.description_html;
  const options = $("shop-options");
  options.innerHTML = "";
  const start = view.variants.find((v) => v.id === variantId) || view.variants.find((v) => !v.sold_out) || view.variants[0];
  view.options.forEach((name, i) => {
    const values = [...new Set(view.variants.map((v) => v.options[i]))];
    const wrap = document.createElement("div");
    wrap.className = "shop-option";
    wrap.innerHTML = `<label></label><select></select>`;
    const select = wrap.querySelector("select");
    select.id = `shop-option-${i}`;
    wrap.querySelector("label").htmlFor = select.id;
    wrap.querySelector("label").textContent = name;
    for (const value of values) select.append(new Option(value, value, false, start && start.options[i] === value));
    select.addEventListener("change", chooseVariant);
    options.append(wrap);
  });
  $("shop-quantity").value = 1;
  $("shop-added").textContent = "";
  updateCartButton();
  $("shop-to-cart").hidden = $("shop-cart-open").hidden;
  chooseVariant();
}

function selectedValues() {
  return product.options.map((_, i) => $(`shop-option-${i}`).value);
}

// The variant the option selects point at; marks values that are sold out
// with the other options as chosen.
function chooseVariant() {
  const values = selectedValues();
  const matches = (v, picked) => picked.every((value, i) => v.options[i] === value);
  chosen = product.variants.find((v) => matches(v, values)) || null;
  product.options.forEach((_, i) => {
    for (const option of $(`shop-option-${i}`).options) {
      const picked = values.map((value, j) => (j === i ? option.value : value));
      const variant = product.variants.find((v) => matches(v, picked));
      option.textContent = option.value + (!variant ? " — not available" : variant.sold_out ? " — sold out" : "");
    }
  });
  const add = $("shop-add");
  if (!chosen) {
    $("shop-price").textContent = "";
    $("shop-compare").hidden = true;
    $("shop-availability").textContent = "Not available in this combination.";
    add.disabled = true;
    return;
  }
  $("shop-price").textContent = chosen.price;
  const struck = chosen.compare_at_minor && chosen.compare_at_minor > chosen.price_minor;
  $("shop-compare").hidden = !struck;
  $("shop-compare").textContent = struck ? chosen.compare_at : "";
  const left = chosen.inventory;
  $("shop-availability").textContent = chosen.sold_out ? "Sold out" : left !== null && left <= 5 ? `Only ${left} left` : "";
  $("shop-quantity").max = Math.min(MAX_QUANTITY, left ?? MAX_QUANTITY);
  add.disabled = chosen.sold_out;
}

function addToCart(event) {
  event.preventDefault();
  if (!chosen || chosen.sold_out) return;
  const quantity = Math.floor(Number($("shop-quantity").value));
  const cart = readCart(shop.id);
  const line = cart.lines.find((l) => l.variant_id === chosen.id);
  const inCart = line ? line.quantity : 0;
  const cap = Math.min(MAX_QUANTITY, chosen.inventory ?? MAX_QUANTITY);
  if (!(quantity >= 1)) {
    $("shop-added").textContent = "Choose how many, 1 or more.";
    return;
  }
  if (inCart + quantity > cap) {
    $("shop-added").textContent = inCart
      ? `Only ${cap} can be bought and ${inCart} are in your cart.`
      : `Only ${cap} can be bought at once.`;
    return;
  }
  const fields = {
    product_id: product.id,
    title: product.title,
    label: chosen.label,
    price_minor: chosen.price_minor,
    currency: chosen.currency,
    ships: product.ships,
    inventory: chosen.inventory,
    thumb_url: (product.photos[0] && product.photos[0].thumb_url) || null,
  };
  if (line) Object.assign(line, fields, { quantity: inCart + quantity });
  else cart.lines.push({ variant_id: chosen.id, quantity, ...fields });
  cart.artist_name = shop.name;
  problems.delete(chosen.id);
  writeCart(shop.id, cart);
  $("shop-added").textContent = `Added: ${plural(inCart + quantity, "item")} of this in your cart.`;
  $("shop-to-cart").hidden = false;
  $("shop-to-cart").focus();
}

// --- The cart ---------------------------------------------------------------

async function openCart(artist) {
  const from = product && $("shop-view-product").hidden === false ? product : null;
  const onBack = from ? () => openProduct(from.id).catch(showLoadError) : () => openArtistShop(artist);
  show("cart", `Your cart · ${artist.name}`, onBack);
  setError("shop-cart-error", "");
  renderCart();
  await refreshCart().catch(() => {});
  renderCart();
}

// Checks the lines against the shop as it is now: prices, stock, still for sale.
async function refreshCart() {
  const cart = readCart(shop.id);
  const ids = [...new Set(cart.lines.map((l) => l.product_id))];
  const found = await Promise.all(ids.map((id) => api("GET", `/products/${encodeURIComponent(id)}`).catch((e) => (e.status === 404 ? null : undefined))));
  ids.forEach((id, i) => {
    const view = found[i];
    if (view === undefined) return; // not checked (offline?): leave as is
    for (const line of cart.lines.filter((l) => l.product_id === id)) {
      const variant = view && view.variants.find((v) => v.id === line.variant_id);
      if (!variant) {
        problems.set(line.variant_id, "No longer for sale: remove it to check out.");
        continue;
      }
      Object.assign(line, { title: view.title, label: variant.label, price_minor: variant.price_minor, currency: variant.currency, inventory: variant.inventory, ships: view.ships });
      checkLine(line, variant.sold_out);
    }
  });
  writeCart(shop.id, cart);
}

function checkLine(line, soldOut = line.inventory === 0) {
  if (soldOut) problems.set(line.variant_id, "Sold out: remove it to check out.");
  else if (line.inventory !== null && line.inventory !== undefined && line.quantity > line.inventory) {
    problems.set(line.variant_id, `Only ${line.inventory} left: change the quantity to check out.`);
  } else problems.delete(line.variant_id);
}

function renderCart() {
  const cart = readCart(shop.id);
  const list = $("shop-cart-lines");
  list.innerHTML = "";
  cart.lines.forEach((line) => {
    const li = document.createElement("li");
    li.className = "cart-line";
    li.innerHTML = `<img alt="" width="56" height="56"><div class="cart-text"><strong></strong><small></small><span class="each"></span><p class="error" role="alert" hidden></p></div>
      <div class="cart-controls"><label class="visually-hidden"></label><input type="number" inputmode="numeric" min="1" max="99"><button type="button" class="link">Remove</button></div>`;
    const img = li.querySelector("img");
    if (line.thumb_url) img.src = line.thumb_url; else img.remove();
    li.querySelector("strong").textContent = line.title;
    li.querySelector("small").textContent = line.label;
    li.querySelector(".each").textContent = `${money(line.price_minor, line.currency)} each`;
    const input = li.querySelector("input");
    input.id = `cart-quantity-${line.variant_id}`;
    input.value = line.quantity;
    const label = li.querySelector("label");
    label.htmlFor = input.id;
    label.textContent = `Quantity of ${line.title} ${line.label}`;
    input.addEventListener("change", () => {
      const quantity = Math.min(MAX_QUANTITY, Math.max(1, Math.floor(Number(input.value)) || 1));
      const fresh = readCart(shop.id);
      const mine = fresh.lines.find((l) => l.variant_id === line.variant_id);
      if (!mine) return;
      mine.quantity = quantity;
      if (problems.get(mine.variant_id) !== "No longer for sale: remove it to check out.") checkLine(mine);
      writeCart(shop.id, fresh);
      renderCart();
      $(`cart-quantity-${line.variant_id}`)?.focus();
    });
    const remove = li.querySelector("button");
    remove.setAttribute("aria-label", `Remove ${line.title} ${line.label}`);
    remove.addEventListener("click", () => {
      const fresh = readCart(shop.id);
      fresh.lines = fresh.lines.filter((l) => l.variant_id !== line.variant_id);
      problems.delete(line.variant_id);
      writeCart(shop.id, fresh);
      renderCart();
      $("shop-title").focus();
    });
    const problem = problems.get(line.variant_id);
    if (problem) {
      li.classList.add("problem");
      setErrorIn(li.querySelector(".error"), problem);
      input.setAttribute("aria-invalid", "true");
    }
    list.append(li);
  });
  const currency = cart.lines[0] && cart.lines[0].currency;
  const subtotal = cart.lines.reduce((sum, l) => sum + l.price_minor * l.quantity, 0);
  $("shop-subtotal").textContent = currency ? money(subtotal, currency) : "—";
  $("shop-cart-empty").hidden = cart.lines.length > 0;
  const blocked = cart.lines.some((l) => problems.has(l.variant_id));
  $("shop-checkout").disabled = !cart.lines.length || blocked;
  if (blocked && $("shop-cart-error").hidden) setError("shop-cart-error", "Some items cannot be bought as they are: see above.");
  if (!blocked && $("shop-cart-error").textContent === "Some items cannot be bought as they are: see above.") setError("shop-cart-error", "");
}

function setErrorIn(element, message) {
  element.textContent = message;
  element.hidden = !message;
}

// --- Checkout ---------------------------------------------------------------

const ADDRESS = ["name", "line1", "line2", "city", "region", "postal_code", "country"];

function openCheckout() {
  const cart = readCart(shop.id);
  if (!cart.lines.length) return;
  const ships = cart.lines.some((l) => l.ships);
  show("checkout", "Check out", () => openCart(shop));
  order = null;
  $("shop-address-form").hidden = false;
  $("shop-address").hidden = !ships;
  $("shop-address").disabled = !ships;
  $("shop-no-shipping").hidden = ships;
  $("shop-summary").hidden = true;
  $("shop-review").disabled = false;
  setError("shop-checkout-error", "");
  const saved = JSON.parse(localStorage.getItem("boptone_ship_to") || "{}");
  for (const field of ADDRESS) {
    const input = $(`ship-${field}`);
    if (!input.value && saved[field]) input.value = saved[field];
    input.removeAttribute("aria-invalid");
    setError(`ship-${field}-error`, "");
  }
}

async function startOrder(event) {
  event.preventDefault();
  const cart = readCart(shop.id);
  const ships = cart.lines.some((l) => l.ships);
  const body = { items: cart.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity })) };
  if (ships) body.shipping_address = Object.fromEntries(ADDRESS.map((f) => [f, $(`ship-${f}`).value.trim()]));
  for (const field of ADDRESS) {
    $(`ship-${field}`).removeAttribute("aria-invalid");
    setError(`ship-${field}-error`, "");
  }
  setError("shop-checkout-error", "");
  $("shop-review").disabled = true;
  try {
    const started = await api("POST", "/orders", body);
    order = { started, artistId: shop.id };
    if (ships) localStorage.setItem("boptone_ship_to", JSON.stringify(body.shipping_address));
    showSummary(started);
  } catch (error) {
    $("shop-review").disabled = false;
    await orderRefused(error);
  }
}

// Says what went wrong next to what it concerns: an address field, the cart
// line that sold out, or the form as a whole.
async function orderRefused(error) {
  const data = error.data || {};
  if (data.error === "sold_out") {
    // The refusal names the item, not its id: the cart's check finds it.
    await openCart(shop);
    setError("shop-cart-error", data.message || "Something in your cart sold out.");
    return;
  }
  const fields = data.fields || {};
  let first = null;
  for (const [key, message] of Object.entries(fields)) {
    const field = key.startsWith("shipping_address.") && key.slice("shipping_address.".length);
    if (field && $(`ship-${field}`)) {
      $(`ship-${field}`).setAttribute("aria-invalid", "true");
      setError(`ship-${field}-error`, message);
      first = first || $(`ship-${field}`);
    } else {
      setError("shop-checkout-error", message);
    }
  }
  if (!Object.keys(fields).length) {
    setError("shop-checkout-error", error.status === 429 ? "You have started many orders this hour. Try again later." : error.message);
  }
  (first || $("shop-checkout-error")).focus?.();
}

function showSummary(started) {
  const { currency } = started;
  $("shop-address-form").hidden = true;
  $("shop-summary").hidden = false;
  $("sum-subtotal").textContent = money(started.subtotal_minor, currency);
  $("sum-shipping").textContent = started.shipping_minor ? money(started.shipping_minor, currency) : "Free";
  $("sum-total").textContent = money(started.total_minor, currency);
  const until = new Date(started.reserved_until).toLocaleTimeString(undefined, { timeStyle: "short" });
  $("shop-hold").textContent = `Your items are held for you until ${until}.`;
  $("shop-pay-status").textContent = "";
  const label = `Pay ${money(started.total_minor, currency)}`;
  $("shop-sandbox").hidden = !started.confirm_url;
  $("shop-card-form").hidden = true;
  if (started.confirm_url) {
    $("shop-pay").textContent = label;
    $("shop-pay").disabled = false;
    $("shop-pay").focus();
  } else if (started.client_secret) {
    payByCard(started, label).catch((error) => ($("shop-pay-status").textContent = error.message));
  }
}

async function payWithTestMoney() {
  if (!order) return;
  $("shop-pay").disabled = true;
  try {
    const paid = await api("POST", apiPath(order.started.confirm_url));
    paidFor(paid);
  } catch (error) {
    $("shop-pay").disabled = false;
    $("shop-pay-status").textContent = error.message;
  }
}

async function payByCard(started, label) {
  const stripe = await loadStripe();
  const elements = stripe.elements({ clientSecret: started.client_secret, appearance: { theme: "night" } });
  $("shop-card").innerHTML = "";
  elements.create("payment").mount("#shop-card");
  const form = $("shop-card-form");
  form.hidden = false;
  $("shop-card-pay").textContent = label;
  form.onsubmit = async (event) => {
    event.preventDefault();
    $("shop-card-pay").disabled = true;
    const { error } = await stripe.confirmPayment({ elements, redirect: "if_required", confirmParams: { return_url: location.href } });
    $("shop-card-pay").disabled = false;
    if (error) {
      $("shop-pay-status").textContent = error.message;
      return;
    }
    $("shop-pay-status").textContent = "Payment sent; confirming…";
    // Paid once Stripe's webhook says so: wait a little for it.
    let view = null;
    for (let i = 0; i < 15; i++) {
      view = await api("GET", `/orders/${order.started.id}`);
      if (view.status !== "pending") break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    paidFor(view);
  };
}

// The order is paid (or on its way): the artist's cart is emptied and the receipt shown.
function paidFor(view) {
  const cart = readCart(order.artistId);
  for (const line of cart.lines) problems.delete(line.variant_id);
  writeCart(order.artistId, { artist_name: cart.artist_name, lines: [] });
  order = null;
  showReceipt(view, null);
}

// --- Receipts and "My orders" -------------------------------------------------

function showReceipt(view, onBack) {
  show("receipt", view.status === "paid" && !onBack ? "Thank you!" : `Order of ${when(view.created_at)}`, onBack);
  $("receipt-status").textContent = view.status === "paid" && view.paid_at
    ? `Paid ${when(view.paid_at)}`
    : `${view.status_label}${view.paid_at ? ` · paid ${when(view.paid_at)}` : ""}`;
  $("receipt-status").dataset.status = view.status;
  const items = $("receipt-items");
  items.innerHTML = "";
  for (const item of view.items) {
    const li = document.createElement("li");
    li.className = "cart-line";
    li.innerHTML = `<div class="cart-text"><strong></strong><small></small><span class="each"></span></div><span class="line-total"></span>`;
    li.querySelector("strong").textContent = item.title;
    li.querySelector("small").textContent = item.options;
    const refunded = item.refunded_quantity ? ` (${item.refunded_quantity} refunded)` : "";
    li.querySelector(".each").textContent = `${item.quantity} × ${item.unit_price}${refunded}`;
    li.querySelector(".line-total").textContent = item.line_total;
    items.append(li);
  }
  $("receipt-subtotal").textContent = money(view.subtotal_minor, view.currency);
  $("receipt-shipping").textContent = view.shipping_minor ? money(view.shipping_minor, view.currency) : "Free";
  $("receipt-total").textContent = view.refunded_minor
    ? `${view.total} (${money(view.refunded_minor, view.currency)} refunded)`
    : view.total;
  const tracking = $("receipt-tracking");
  tracking.hidden = !view.tracking_number && !view.carrier;
  tracking.textContent = `Shipped with ${view.carrier || "the carrier"}${view.tracking_number ? `, tracking number ${view.tracking_number}` : ""}.`;
  const downloads = $("receipt-download-list");
  downloads.innerHTML = "";
  $("receipt-downloads").hidden = !view.downloads.length;
  for (const d of view.downloads) {
    const li = document.createElement("li");
    const name = d.url ? Object.assign(document.createElement("a"), { href: d.url, download: "" }) : document.createElement("strong");
    name.textContent = `${d.name} (${bytes(d.bytes)})`;
    const small = document.createElement("small");
    small.textContent = d.url
      ? `${plural(d.downloads_left, "download")} left · until ${when(d.expires_at)}`
      : d.downloads_left > 0 ? `Expired ${when(d.expires_at)}` : "No downloads left";
    li.append(name, " ", small);
    downloads.append(li);
  }
}

async function openOrders() {
  ordersCursor = null;
  $("orders-list").innerHTML = "";
  $("orders-empty").hidden = true;
  show("orders", "My orders");
  await loadOrders();
}

async function loadOrders() {
  const cursor = ordersCursor ? `&cursor=${encodeURIComponent(ordersCursor)}` : "";
  const page = await api("GET", `/orders?limit=10${cursor}`);
  for (const view of page.items) {
    const li = document.createElement("li");
    li.innerHTML = `<button type="button" class="order"><span><strong></strong><small></small></span><span class="status"></span></button>`;
    li.querySelector("strong").textContent = view.items.map((i) => (i.quantity > 1 ? `${i.quantity} × ${i.title}` : i.title)).join(", ");
    li.querySelector("small").textContent = `${when(view.created_at)} · ${view.total}`;
    li.querySelector(".status").textContent = view.status_label;
    li.querySelector("button").addEventListener("click", async () => {
      const fresh = await api("GET", `/orders/${view.id}`).catch(() => view);
      showReceipt(fresh, () => show("orders", "My orders"));
    });
    $("orders-list").append(li);
  }
  ordersCursor = page.next_cursor;
  $("orders-more").hidden = !ordersCursor;
  $("orders-empty").hidden = $("orders-list").children.length > 0;
}

// BopShop in the fan app: an artist's products, a product sheet with its
// options, a cart per artist kept on this device, checkout (a shipping
// address only when something ships), the quoted total with shipping
// (nothing held yet), the order started only on Pay (its units then held,
// and given up if the fan backs out), payment with test money (sandbox)
// or Stripe's card form, the receipt, and "My orders". One dialog, one
// view at a time.
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
let quote = null;         // the priced cart: {body, quoted}
let order = null;         // the started, unpaid order: {started, paying}
let back = null;          // what "← Back" does in the current view
const problems = new Map(); // variant id → why that cart line cannot be bought now

// Minor units in the currency's own exponent (JPY has none, USD two).
export function money(minor, currency) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency });
  return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
}

const when = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

// "held for 14 more minutes" while an unpaid order's units are held.
function held(until) {
  const minutes = Math.ceil((until - Date.now()) / 60000);
  return minutes > 0 ? `held for ${plural(minutes, "more minute")}` : "no longer held";
}

// Writes `say(held(until))` (`say(null)` without a hold) into `element`,
// kept current while the dialog is open.
function showHold(element, until, say) {
  element.classList.add("hold");
  element.render = () => (element.textContent = say(until ? held(until) : null));
  element.render();
}

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
  $("shop-address-form").addEventListener("submit", quoteOrder);
  $("shop-pay").addEventListener("click", pay);
  $("shop-confirm").addEventListener("click", payWithTestMoney);
  $("orders-open").addEventListener("click", () => openOrders().catch(showLoadError));
  $("orders-more").addEventListener("click", () => loadOrders().catch(showLoadError));
  $("shop-dialog").addEventListener("close", () => {
    giveUp();
    if (location.hash.startsWith("#shop/")) history.replaceState(null, "", location.pathname + location.search);
  });
  setInterval(() => {
    if ($("shop-dialog").open) for (const element of document.querySelectorAll("#shop-dialog .hold")) element.render();
  }, 20000);
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
}

function openFromHash() {
  const match = location.hash.match(/^#shop\/product\/([\w-]+)(?:\/([\w-]+))?$/);
  if (match) openProduct(match[1], match[2]).catch(showLoadError);
}

// Shows one view of the dialog, opening it if needed; focus goes to the title.
// Leaving checkout gives up an order that was started but not paid.
function show(view, title, onBack = null) {
  if (view !== "checkout") giveUp();
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
  const page = await api("GET", `/artists/${shop.id}/products?limit=20${cursor}`).catch((error) => {
    if (!(productsCursor && error.status === 422 && error.data?.fields?.cursor)) throw error;
    return null; // the shop changed since the last page: start over from the newest
  });
  if (!page) {
    productsCursor = null;
    $("shop-products").innerHTML = "";
    return loadProducts();
  }
  for (const item of page.items) {
    const li = document.createElement("li");
    li.innerHTML = `<button type="button" class="shop-tile"><img alt="" width="160" height="160"><strong></strong><small></small></button>`;
    const img = li.querySelector("img");
    if (item.cover_url) img.src = item.cover_url; else img.replaceWith(Object.assign(document.createElement("span"), { className: "cover-empty" }));
    li.querySelector("strong").textContent = item.title;
    li.querySelector("small").textContent = item.price_varies ? `from ${item.price}` : item.price;
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

// `refresh`: check the lines against the shop (not when a refusal has just
// named the line that sold out).
async function openCart(artist, refresh = true) {
  const from = product && $("shop-view-product").hidden === false ? product : null;
  const onBack = from ? () => openProduct(from.id).catch(showLoadError) : () => openArtistShop(artist);
  show("cart", `Your cart · ${artist.name}`, onBack);
  setError("shop-cart-error", "");
  renderCart();
  if (!refresh) return;
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
// The address (when something ships), then the quoted total: nothing is
// held until Pay starts the order; then the payment form (test money or
// Stripe's card form). Backing out of a started payment gives the order up.

const ADDRESS = ["name", "line1", "line2", "city", "region", "postal_code", "country"];
const SOLD_OUT_LINE = "Sold out, or fewer left than you want: remove it or lower the quantity.";
const TOO_MANY = "You have started many orders this hour. Try again later.";

// Ends a checkout: the quote is dropped, and an order started but not being
// paid is given up so its units go back at once.
function giveUp() {
  const started = order && !order.paying ? order.started : null;
  quote = null;
  order = null;
  if (started) api("DELETE", `/orders/${encodeURIComponent(started.id)}`).catch(() => {});
}

function openCheckout() {
  giveUp();
  const cart = readCart(shop.id);
  if (!cart.lines.length) return;
  const ships = cart.lines.some((l) => l.ships);
  show("checkout", "Check out", () => openCart(shop));
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

// Prices the cart with shipping to the address; holds nothing.
async function quoteOrder(event) {
  event.preventDefault();
  const cart = readCart(shop.id);
  if (!cart.lines.length) return;
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
    const quoted = await api("POST", "/orders/quote", body);
    if (ships) localStorage.setItem("boptone_ship_to", JSON.stringify(body.shipping_address));
    quote = { body, quoted };
    showSummary(quoted);
  } catch (error) {
    $("shop-review").disabled = false;
    await refused(error);
  }
}

// Says what went wrong next to what it concerns: the cart line that sold
// out (named by the refusal), an address field, or the form as a whole.
async function refused(error) {
  const data = error.data || {};
  if (data.error === "sold_out") {
    const named = data.variant_id && readCart(shop.id).lines.some((l) => l.variant_id === data.variant_id);
    if (named) problems.set(data.variant_id, SOLD_OUT_LINE);
    await openCart(shop, !named);
    setError("shop-cart-error", data.message || "Something in your cart sold out.");
    return;
  }
  const fields = data.fields || {};
  if (!$("shop-summary").hidden) openCheckout();
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
  if (!Object.keys(fields).length) setError("shop-checkout-error", error.status === 429 ? TOO_MANY : error.message);
  (first || $("shop-checkout-error")).focus?.();
}

function showTotals(priced) {
  const { currency } = priced;
  $("sum-subtotal").textContent = money(priced.subtotal_minor, currency);
  $("sum-shipping").textContent = priced.shipping_minor ? money(priced.shipping_minor, currency) : "Free";
  $("sum-total").textContent = money(priced.total_minor, currency);
}

// The quoted total and Pay; Back goes to the address form.
function showSummary(quoted) {
  show("checkout", "Your total", openCheckout);
  $("shop-address-form").hidden = true;
  $("shop-summary").hidden = false;
  showTotals(quoted);
  showHold($("shop-hold"), null, () => "");
  $("shop-pay-status").textContent = "";
  $("shop-pay").textContent = `Pay ${money(quoted.total_minor, quoted.currency)}`;
  $("shop-pay").hidden = false;
  $("shop-pay").disabled = false;
  $("shop-sandbox").hidden = true;
  $("shop-card-form").hidden = true;
  $("shop-pay").focus();
}

// Pay: the order starts (its units are held), then the payment form.
async function pay() {
  if (!quote || order) return;
  const asked = quote;
  $("shop-pay").disabled = true;
  $("shop-pay-status").textContent = "";
  let started;
  try {
    started = await api("POST", "/orders", asked.body);
  } catch (error) {
    $("shop-pay").disabled = false;
    const data = error.data || {};
    if (data.error === "sold_out" || data.fields) await refused(error);
    else $("shop-pay-status").textContent = error.status === 429 ? TOO_MANY : error.message;
    return;
  }
  if (quote !== asked) {
    // The fan left while it started: give it up.
    api("DELETE", `/orders/${encodeURIComponent(started.id)}`).catch(() => {});
    return;
  }
  order = { started, paying: false };
  $("shop-pay").hidden = true;
  showTotals(started);
  if (started.total_minor !== asked.quoted.total_minor) {
    $("shop-pay-status").textContent = `Prices changed: the total is now ${money(started.total_minor, started.currency)}.`;
  }
  showHold($("shop-hold"), started.reserved_until, (h) => `Your items are ${h}.`);
  const label = `Pay ${money(started.total_minor, started.currency)}`;
  if (started.confirm_url) {
    $("shop-sandbox").hidden = false;
    $("shop-confirm").textContent = `${label} with test money`;
    $("shop-confirm").disabled = false;
    $("shop-confirm").focus();
  } else if (started.client_secret) {
    payByCard(started, label).catch((error) => ($("shop-pay-status").textContent = error.message));
  }
}

async function payWithTestMoney() {
  if (!order || order.paying) return;
  const paying = order;
  paying.paying = true;
  $("shop-confirm").disabled = true;
  try {
    paidFor(await api("POST", apiPath(paying.started.confirm_url)));
  } catch (error) {
    paying.paying = false;
    $("shop-confirm").disabled = false;
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
    const paying = order;
    if (!paying || paying.started.id !== started.id) return;
    paying.paying = true;
    $("shop-card-pay").disabled = true;
    const { error } = await stripe.confirmPayment({ elements, redirect: "if_required", confirmParams: { return_url: location.href } });
    $("shop-card-pay").disabled = false;
    if (error) {
      paying.paying = false;
      $("shop-pay-status").textContent = error.message;
      return;
    }
    $("shop-pay-status").textContent = "Payment sent; confirming…";
    // Paid once Stripe's webhook says so: wait a little for it.
    let view = null;
    for (let i = 0; i < 15; i++) {
      view = await api("GET", `/orders/${started.id}`);
      if (view.status !== "pending") break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    paidFor(view);
  };
}

// The order is paid (or on its way): the artist's cart is emptied and the receipt shown.
function paidFor(view) {
  const cart = readCart(view.artist_id);
  for (const line of cart.lines) problems.delete(line.variant_id);
  writeCart(view.artist_id, { artist_name: cart.artist_name, lines: [] });
  order = null;
  quote = null;
  showReceipt(view, null);
}

// --- Receipts and "My orders" -------------------------------------------------

const artistName = (view) => view.artist_name || "the artist";

function showReceipt(view, onBack) {
  show("receipt", view.status === "paid" && !onBack ? "Thank you!" : `Order from ${artistName(view)}`, onBack);
  $("receipt-from").textContent = `From ${artistName(view)} · ordered ${when(view.created_at)}`;
  showHold($("receipt-status"), view.reserved_until, (hold) => view.status === "paid" && view.paid_at
    ? `Paid ${when(view.paid_at)}`
    : `${view.status_label}${view.paid_at ? ` · paid ${when(view.paid_at)}` : ""}${hold ? ` · ${hold}` : ""}`);
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
    showHold(li.querySelector("small"), view.reserved_until, (hold) =>
      [artistName(view), when(view.created_at), view.total, hold].filter(Boolean).join(" · "));
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

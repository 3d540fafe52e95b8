// Stripe's card form (the Payment Element) is loaded from Stripe itself
// (PCI), once, with the publishable key the server put on #app. Tips and
// shop orders both pay with it.
let stripe = null;

export function loadStripe() {
  const key = document.getElementById("app").dataset.stripeKey;
  if (!key) return Promise.reject(new Error("Card payments are not set up on this server."));
  if (stripe) return Promise.resolve(stripe);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "https://js.stripe.com/v3/";
    script.onload = () => resolve((stripe = window.Stripe(key)));
    script.onerror = () => reject(new Error("The card form could not load; check your connection."));
    document.head.append(script);
  });
}

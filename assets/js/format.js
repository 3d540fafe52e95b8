// Counts and sizes, written the way the server's templates write them
// (the `plural` and `bytes` filters in src/web/views.rs).
const grouped = new Intl.NumberFormat("en");

// plural(1, "like") → "1 like"; plural(3, "reply", "replies") → "3 replies".
export function plural(count, one, many = one + "s") {
  return `${grouped.format(count)} ${count === 1 ? one : many}`;
}

// Binary units, as the limits are configured: 524288000 → "500 MiB".
export function bytes(n) {
  if (n < 1024) return plural(Math.max(0, Math.round(n)), "byte");
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(1).replace(/\.0$/, "")} ${units[unit]}`;
}

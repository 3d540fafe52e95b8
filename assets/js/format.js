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

// How long ago, the way a thread says it: "now", "5m", "3h", "2d", then a date.
export function ago(ms, now = Date.now()) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return "now";
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}d`;
  return new Date(ms).toLocaleDateString("en", { day: "numeric", month: "short", year: "numeric" });
}

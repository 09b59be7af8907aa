// Opens a series in the viewer in Debian's chromium and times what a person waits for: the first image after the
// click (the engine's first load included), and each step of scrolling through the whole series with the arrow key.
// Usage: node measure.mjs <ResultsApi base> <admin password> <study UID> <images>; prints one JSON object.
import { chromium } from "playwright-core";

const [base, password, study, images] = process.argv.slice(2);
const count = Number(images);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/viewer/?StudyInstanceUIDs=${study}`);
  await page.getByLabel("User").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  const series = page.locator("#series tbody tr").first();
  await series.waitFor({ timeout: 60_000 });

  let started = performance.now();
  await series.click();
  await page.locator("#image-status", { hasText: `Image 1 of ${count}` }).waitFor({ timeout: 120_000 });
  const firstImageMs = performance.now() - started;

  const steps = [];
  for (let index = 2; index <= count; index++) {
    started = performance.now();
    await page.locator("#viewport").press("ArrowDown");
    await page.locator("#image-status", { hasText: new RegExp(`^Image ${index} of ${count}$`) }).waitFor({ timeout: 60_000 });
    steps.push(performance.now() - started);
  }
  steps.sort((a, b) => a - b);
  const at = (q) => steps[Math.min(steps.length - 1, Math.floor(q * steps.length))];
  console.log(JSON.stringify({
    first_image_ms: firstImageMs,
    scroll_mean_ms: steps.reduce((a, b) => a + b, 0) / steps.length,
    scroll_p50_ms: at(0.5),
    scroll_p95_ms: at(0.95),
    scroll_max_ms: steps[steps.length - 1],
    scroll_total_s: steps.reduce((a, b) => a + b, 0) / 1000,
  }));
} finally {
  await browser.close();
}

#!/usr/bin/env node
// Opens a techcheck HTML plan in Debian's Chromium (through playwright-core; no browser is downloaded),
// takes full-page screenshots at 1280 px and at 200% zoom, checks that nothing scrolls sideways at 200%,
// records every request the page makes, and runs an axe-core accessibility audit (WCAG 2.0/2.1 A and AA).
//
//   node tests/browser/audit.mjs PLAN.html OUTDIR [--name NAME] [--find TEXT]...
//
// Prints one JSON object on standard output:
//   {violations: [{id, impact, help, nodes}], requests: [{url, type, external}], overflow200: bool,
//    screenshots: [paths], ...details}
// Exit code 0 when the audit ran (whatever it found: tests/test_browser.py judges the result), 1 when it
// could not run (the error is in the JSON object as "error" and on standard error).
//
// The plan forbids every script with its Content-Security-Policy. Only axe runs: its source is evaluated
// through the DevTools protocol (page.evaluate), which the page's CSP does not govern, so the page is
// audited exactly as a person's browser shows it (no bypassCSP).

import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const CHROMIUM = process.env.TECHCHECK_CHROMIUM || "/usr/bin/chromium";
// What Chromium needs on these machines (closed network, running as root, no GPU). Playwright adds
// --headless itself too, and a new empty temporary --user-data-dir (see below).
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const WIDTH = 1280;
const HEIGHT = 900;
const DEADLINE_MS = Number(process.env.TECHCHECK_AUDIT_TIMEOUT_MS || 90000);

function usage(message) {
  process.stderr.write(`${message}\nusage: node audit.mjs PLAN.html OUTDIR [--name NAME] [--find TEXT]...\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  const find = [];
  let name = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--name") name = argv[++i] ?? usage("--name needs a value");
    else if (argv[i] === "--find") find.push(argv[++i] ?? usage("--find needs a value"));
    else if (argv[i].startsWith("--")) usage(`unknown option ${argv[i]}`);
    else positional.push(argv[i]);
  }
  if (positional.length !== 2) usage("expected PLAN.html and OUTDIR");
  const html = resolve(positional[0]);
  return { html, out: resolve(positional[1]), name: name || basename(html).replace(/\.html?$/i, ""), find };
}

// Whether the document is wider than its window (sideways scrolling), with the numbers.
function measure() {
  const root = document.documentElement;
  return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflow: root.scrollWidth > root.clientWidth + 1 };
}

function openAllDetails() {
  for (const d of document.querySelectorAll("details")) d.open = true;
  return document.querySelectorAll("details").length;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  const planUrl = pathToFileURL(args.html).href;
  const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  const result = {
    file: args.html,
    url: planUrl,
    chromium: CHROMIUM,
    violations: [],
    requests: [],
    overflow200: null,
    screenshots: [],
  };
  const started = Date.now();
  const requests = [];
  const consoleMessages = [];
  const dialogs = [];
  const pageErrors = [];
  const watch = (page) => {
    page.on("console", (m) => consoleMessages.push({ type: m.type(), text: m.text().slice(0, 500) }));
    page.on("pageerror", (e) => pageErrors.push(String(e).slice(0, 500)));
    page.on("dialog", (d) => {
      dialogs.push({ type: d.type(), message: d.message().slice(0, 200) });
      d.dismiss().catch(() => {});
    });
  };
  // A window as a person would have it: every request recorded, anything but the plan file itself refused
  // (so that a regression cannot reach the network while it is being caught).
  const newWindow = async (options) => {
    const context = await browser.newContext({ ...options, serviceWorkers: "block", acceptDownloads: false });
    context.on("request", (request) => {
      const url = request.url();
      requests.push({ url, type: request.resourceType(), external: url !== planUrl });
    });
    await context.route("**/*", (route) =>
      route.request().url() === planUrl ? route.continue() : route.abort("blockedbyclient"),
    );
    context.on("page", watch); // the page, and any window it might open
    const page = await context.newPage();
    await page.goto(planUrl, { waitUntil: "load", timeout: 30000 });
    return page;
  };

  // Playwright starts Chromium with a new, empty, temporary --user-data-dir of its own (it refuses one in
  // `args`) and removes it when the browser closes.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30000 });
  try {
    result.browserVersion = browser.version();

    // 1280 px wide, as most laptops show it.
    const page = await newWindow({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
    const shot1280 = join(args.out, `${args.name}-1280.png`);
    await page.screenshot({ path: shot1280, fullPage: true });
    result.screenshots.push(shot1280);
    result.layout1280 = await page.evaluate(measure);

    // The same window at 200% zoom: 640 CSS px wide, drawn at 2 device pixels per CSS pixel, which is what
    // Chromium's page zoom does (media queries, rem and viewport units see the same width).
    const zoomed = await newWindow({ viewport: { width: WIDTH / 2, height: HEIGHT / 2 }, deviceScaleFactor: 2 });
    const shot200 = join(args.out, `${args.name}-200pct.png`);
    await zoomed.screenshot({ path: shot200, fullPage: true });
    result.screenshots.push(shot200);
    const closed = await zoomed.evaluate(measure);
    const detailsCount = await zoomed.evaluate(openAllDetails); // evidence lists too: long hashes and paths
    const opened = await zoomed.evaluate(measure);
    result.layout200 = { devicePixelRatio: await zoomed.evaluate(() => window.devicePixelRatio), detailsClosed: closed, detailsOpen: opened, details: detailsCount };
    result.overflow200 = closed.overflow || opened.overflow;
    await zoomed.context().close();

    // What the page holds: markup smuggled in through device text would show up here.
    result.dom = await page.evaluate((find) => {
      const count = (selector) => document.querySelectorAll(selector).length;
      const withHandlers = [...document.querySelectorAll("*")].filter((el) =>
        [...el.attributes].some((a) => a.name.toLowerCase().startsWith("on")),
      ).length;
      const text = document.body.textContent || "";
      return {
        lang: document.documentElement.lang,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy" i]')?.content ?? null,
        title: document.title,
        img: count("img"),
        script: count("script"),
        iframe: count("iframe, frame, object, embed"),
        form: count("form, input, button, textarea, select"),
        elementsWithEventHandlers: withHandlers,
        found: Object.fromEntries(find.map((f) => [f, text.includes(f)])),
      };
    }, args.find);

    // axe, with the evidence lists open so that their contents are audited too.
    await page.evaluate(openAllDetails);
    await page.evaluate(axeSource);
    const axe = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations", "incomplete"],
      });
      const brief = (v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
        summary: (v.nodes[0]?.failureSummary || "").slice(0, 400),
      });
      return {
        version: window.axe.version,
        violations: r.violations.map(brief),
        incomplete: r.incomplete.map(brief),
        passes: r.passes.length,
      };
    }, AXE_TAGS);
    result.axe = { version: axe.version, tags: AXE_TAGS, passes: axe.passes, incomplete: axe.incomplete };
    result.violations = axe.violations;
  } finally {
    await browser.close().catch(() => {});
    result.requests = requests;
    result.console = consoleMessages;
    result.pageErrors = pageErrors;
    result.dialogs = dialogs;
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
  return result;
}

const timer = setTimeout(() => {
  process.stderr.write(`audit.mjs: gave up after ${DEADLINE_MS} ms\n`);
  process.stdout.write(`${JSON.stringify({ error: `timed out after ${DEADLINE_MS} ms` })}\n`);
  process.exit(1);
}, DEADLINE_MS);

main().then(
  (result) => {
    clearTimeout(timer);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (error) => {
    clearTimeout(timer);
    process.stderr.write(`audit.mjs: ${error?.stack || error}\n`);
    process.stdout.write(`${JSON.stringify({ error: String(error?.message || error) })}\n`);
    process.exit(1);
  },
);

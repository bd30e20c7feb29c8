/**
 * Renders the app icons in public/ from public/icon.svg and scripts/maskable-icon.svg (the same notes, full-bleed
 * and inside the safe zone that launchers crop to) with Debian's Chromium:
 * PNGs for the web manifest and iOS, and favicon.ico (PNG images in an ICO container, which every current
 * browser reads). Run again after changing either SVG:  node scripts/render-icons.mjs
 */
import { Buffer } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { chromium } from "playwright-core";

const PUBLIC_DIR = resolve(import.meta.dirname, "../public");
const MASKABLE_SVG = resolve(import.meta.dirname, "maskable-icon.svg");
const RENDERS = [
	{ svg: resolve(PUBLIC_DIR, "icon.svg"), size: 192, file: "icons/icon-192.png" },
	{ svg: resolve(PUBLIC_DIR, "icon.svg"), size: 512, file: "icons/icon-512.png" },
	{ svg: MASKABLE_SVG, size: 512, file: "icons/maskable-512.png" },
	// iOS rounds the corners itself and shows transparency as black: the full-bleed artwork fits it.
	{ svg: MASKABLE_SVG, size: 180, file: "icons/apple-touch-icon.png" }
];
const FAVICON_SIZES = [16, 32, 48];

async function render(page, svgFile, size) {
	const svg = readFileSync(svgFile).toString("base64");
	await page.setViewportSize({ width: size, height: size });
	await page.setContent(
		`<body style="margin:0"><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${svg}"></body>`
	);
	await page.locator("img").evaluate((img) => img.decode());
	return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

/** ICONDIR, one ICONDIRENTRY per image, then the PNG payloads. */
function icoOf(pngs) {
	const header = Buffer.alloc(6 + 16 * pngs.length);
	header.writeUInt16LE(0, 0);
	header.writeUInt16LE(1, 2);
	header.writeUInt16LE(pngs.length, 4);
	let offset = header.length;
	pngs.forEach(({ size, png }, index) => {
		const entry = 6 + 16 * index;
		header.writeUInt8(size >= 256 ? 0 : size, entry);
		header.writeUInt8(size >= 256 ? 0 : size, entry + 1);
		header.writeUInt16LE(1, entry + 4);
		header.writeUInt16LE(32, entry + 6);
		header.writeUInt32LE(png.length, entry + 8);
		header.writeUInt32LE(offset, entry + 12);
		offset += png.length;
	});
	return Buffer.concat([header, ...pngs.map(({ png }) => png)]);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox"] });
try {
	const page = await browser.newPage({ deviceScaleFactor: 1 });
	for (const { svg, size, file } of RENDERS) writeFileSync(resolve(PUBLIC_DIR, file), await render(page, svg, size));
	const favicons = [];
	for (const size of FAVICON_SIZES) favicons.push({ size, png: await render(page, resolve(PUBLIC_DIR, "icon.svg"), size) });
	writeFileSync(resolve(PUBLIC_DIR, "favicon.ico"), icoOf(favicons));
} finally {
	await browser.close();
}

// The digest of the studio's sources, recorded beside the build (build.json) so a test
// and scripts/setup can tell whether the committed build in aistudio/assets/web is the
// build of these sources. tests/web/test_build.py computes the same digest in Python:
// sha256 over, for each file in sorted order, "<path>\0<bytes>\0".
//   node scripts/stamp.mjs write   record the digest (after `vite build`)
//   node scripts/stamp.mjs check   exit 1 when the build is missing or stale
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const web = fileURLToPath(new URL("..", import.meta.url));
const out = join(web, "..", "aistudio", "assets", "web", "build.json");
const ROOT_FILES = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function sourceFiles() {
  const files = [...ROOT_FILES.map((f) => join(web, f)), ...walk(join(web, "src"))];
  return files.map((f) => relative(web, f).split(sep).join("/")).sort();
}

export function digest() {
  const hash = createHash("sha256");
  for (const file of sourceFiles()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(web, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

const mode = process.argv[2];
if (mode === "write") {
  const stamp = { sources_sha256: digest(), files: sourceFiles() };
  writeFileSync(out, `${JSON.stringify(stamp, null, 2)}\n`);
  console.log(`build.json: ${stamp.sources_sha256.slice(0, 16)} over ${stamp.files.length} files`);
} else if (mode === "check") {
  const recorded = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")).sources_sha256 : null;
  if (recorded !== digest()) {
    console.log("the web studio build is stale or missing");
    process.exit(1);
  }
} else {
  console.error("usage: stamp.mjs write|check");
  process.exit(2);
}

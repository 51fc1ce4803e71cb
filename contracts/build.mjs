// Compiles contracts/src/**/*.sol with solc-js (the npm `solc`, pinned in package.json) and writes one
// artifact per deployable contract to contracts/out/<Name>.json. The output is deterministic (fixed key
// order, 2-space indent, trailing newline, no metadata hash in the bytecode), so CI can rebuild and
// `git diff --exit-code contracts/out` to prove the committed artifacts match the sources.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "contracts", "src");
const outDir = join(root, "contracts", "out");
const nodeModules = join(root, "node_modules");

const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  metadata: { bytecodeHash: "none" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function solidityFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return solidityFiles(path);
      return entry.name.endsWith(".sol") ? [path] : [];
    });
}

// Source unit names are repository-relative with forward slashes, so they do not depend on the checkout.
const unitName = (path) => relative(root, path).split(sep).join("/");

const sources = {};
for (const path of solidityFiles(srcDir)) sources[unitName(path)] = { content: readFileSync(path, "utf8") };

// Imports outside contracts/src (OpenZeppelin) come from node_modules.
function findImports(path) {
  const candidates = [join(root, path), join(nodeModules, path)];
  for (const candidate of candidates) {
    try {
      return { contents: readFileSync(candidate, "utf8") };
    } catch {
      // try the next place
    }
  }
  return { error: `not found: ${path} (run ./scripts/build-contracts, which runs npm ci)` };
}

const input = { language: "Solidity", sources, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

const diagnostics = output.errors ?? [];
for (const diagnostic of diagnostics) console.error(diagnostic.formattedMessage ?? diagnostic.message);
if (diagnostics.some((d) => d.severity === "error")) {
  console.error("contracts: compilation failed");
  process.exit(1);
}

const compiler = {
  version: solc.version(),
  optimizer: settings.optimizer,
  evmVersion: settings.evmVersion,
  metadata: settings.metadata,
};

const artifacts = [];
for (const unit of Object.keys(sources).sort()) {
  const contracts = output.contracts?.[unit] ?? {};
  for (const name of Object.keys(contracts).sort()) {
    const { abi, evm } = contracts[name];
    // Interfaces and abstract contracts have no bytecode: nothing to deploy, no artifact.
    if (!evm.bytecode.object) continue;
    artifacts.push({
      contractName: name,
      sourceName: unit,
      abi,
      bytecode: { object: `0x${evm.bytecode.object}` },
      deployedBytecode: { object: `0x${evm.deployedBytecode.object}` },
      compiler,
    });
  }
}

const names = artifacts.map((a) => a.contractName);
const duplicate = names.find((name, i) => names.indexOf(name) !== i);
if (duplicate) {
  console.error(`contracts: two contracts are named ${duplicate}; artifacts are keyed by name`);
  process.exit(1);
}

// The directory holds exactly the current artifacts: a removed contract loses its file.
mkdirSync(outDir, { recursive: true });
for (const stale of readdirSync(outDir).filter((file) => file.endsWith(".json"))) rmSync(join(outDir, stale));
for (const artifact of artifacts) {
  writeFileSync(join(outDir, `${artifact.contractName}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
}
console.log(`contracts: solc ${solc.version()} wrote ${names.map((n) => `${n}.json`).join(", ")} to contracts/out`);

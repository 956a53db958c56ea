// The build reads the repository's schema.graphql. On a fresh checkout where it has not been
// exported yet, write it from the Python package (the one source of truth for the API).
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

const target = process.env.KABINET_SCHEMA ?? resolve("..", "schema.graphql");
if (!existsSync(target)) {
  const saas = resolve("..", ".venv", "bin", "saas");
  if (!existsSync(saas)) {
    console.error(`${target} is missing and ${saas} is not installed: run \`make install\` first.`);
    process.exit(1);
  }
  execFileSync(saas, ["export-schema", "--output", target], { stdio: "inherit" });
}

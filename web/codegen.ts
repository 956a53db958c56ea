import type { CodegenConfig } from "@graphql-codegen/cli";

// The SDL the API publishes (repository root). KABINET_SCHEMA points elsewhere, e.g. at a
// freshly exported file while the API is being changed.
const schema = process.env.KABINET_SCHEMA ?? "../schema.graphql";

const config: CodegenConfig = {
  schema,
  documents: ["src/graphql/*.graphql"],
  generates: {
    "src/graphql/generated.ts": {
      // typescript-operations 6 emits the enums and inputs the documents use; the separate
      // "typescript" plugin would declare them a second time.
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: "string", Date: "string", JSON: "unknown", ID: "string" },
        useTypeImports: true,
      },
    },
  },
  hooks: {},
};

export default config;

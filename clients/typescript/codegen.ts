// graphql-codegen configuration: typed operations for the Ateliers numériques API.
//
//   npx graphql-codegen --config codegen.ts    (or: npm run codegen)
//
// Every custom scalar of the schema travels as a JSON string, so each is typed `string`.
// strictScalars makes generation fail on a scalar missing from this map, instead of typing
// it `unknown`.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**/*"],
  generates: {
    "src/gql/": {
      preset: "client",
      // No fragments here: masking would only add fragment-masking.ts and useFragment.
      presetConfig: { fragmentMasking: false },
      config: {
        strictScalars: true,
        scalars: {
          ID: "string", // opaque global ids: never parse them
          DateTime: "string", // RFC 3339 with an offset, 2026-12-01T14:00:00+01:00 (Europe/Paris on output)
          LocalDateTime: "string", // Europe/Paris wall-clock without offset, 2026-12-01T14:00
          Date: "string", // a calendar date, 2026-12-01
          PhoneNumber: "string", // E.164 on output (+33612345678); national form accepted on input
          Email: "string", // name@example.fr
          PostalCode: "string", // five digits, 93240: a string, never a number (leading zeros)
          URL: "string", // absolute http(s) URL
        },
        // Enums as unions of strings (the enumsAsTypes of older presets): no runtime code, and a
        // switch over UserErrorCode is checked for exhaustiveness.
        enumType: "string-literal",
        documentMode: "string", // documents as typed strings: POST them with fetch, no GraphQL client needed
        useTypeImports: true, // import type, for verbatimModuleSyntax
      },
    },
  },
};

export default config;

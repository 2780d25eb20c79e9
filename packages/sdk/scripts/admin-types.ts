/**
 * Renders `src/generated/admin-api.ts` from the admin API's OpenAPI document
 * (`adminOpenApi` in packages/protocol) with openapi-typescript. Used by the `generate` script and
 * by the test that checks the committed file is current (scripts/admin-types.test.ts).
 */
import { adminOpenApi } from '@distillgate/protocol';
import openapiTS, { astToString } from 'openapi-typescript';

/** Where the generated types live, relative to packages/sdk. */
export const GENERATED_PATH = 'src/generated/admin-api.ts';

const HEADER = `/**
 * GENERATED from the admin API's OpenAPI document (packages/protocol/src/admin-openapi.ts) by
 * openapi-typescript. Do not edit: run \`npm run generate -w @distillgate/sdk\`.
 */
`;

/** The file's full text. @throws when openapi-typescript rejects the document */
export async function renderAdminTypes(): Promise<string> {
  // a plain mutable copy: the document is a deeply readonly `as const` object
  const document = JSON.parse(JSON.stringify(adminOpenApi));
  const ast = await openapiTS(document, { alphabetize: false, exportType: false });
  return HEADER + astToString(ast);
}

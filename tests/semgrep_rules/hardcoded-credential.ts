// Test target for hardcoded-credential-js on TypeScript (semgrep --test annotations).
// The literal values are deliberately fake; the allowlist pragmas keep detect-secrets quiet.
// ruleid: hardcoded-credential-js
export const ACCESS_TOKEN: string = "fake-token-for-tests"; // pragma: allowlist secret
// ok: hardcoded-credential-js
export const ACCESS_TOKEN_ENV: string = "ACCESS_TOKEN";

// Test target for hardcoded-credential-js (semgrep --test annotations).
// The literal values are deliberately fake; the allowlist pragmas keep detect-secrets quiet.
const jwt = require("jsonwebtoken");

// ruleid: hardcoded-credential-js
const apiKey = "fake-key-for-tests"; // pragma: allowlist secret
// ok: hardcoded-credential-js
const apiToken = process.env.API_TOKEN;
// ok: hardcoded-credential-js
const password = "";
// ok: hardcoded-credential-js
const tokenUrl = "https://auth.example.test/token";

const db = {
  host: "db",
  // ruleid: hardcoded-credential-js
  password: "not-a-real-password", // pragma: allowlist secret
  // ok: hardcoded-credential-js
  user: "app",
};

function sign(user) {
  // ruleid: hardcoded-credential-js
  return jwt.sign({ sub: user }, "fake-signing-key"); // pragma: allowlist secret
}

function configure(options) {
  // ruleid: hardcoded-credential-js
  options.clientSecret = "fake-secret-for-tests"; // pragma: allowlist secret
  // ok: hardcoded-credential-js
  options.clientSecret = process.env.CLIENT_SECRET;
}

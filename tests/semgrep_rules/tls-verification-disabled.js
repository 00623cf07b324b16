// Test target for tls-verification-disabled-js (semgrep --test annotations).
const https = require("https");

// ruleid: tls-verification-disabled-js
const insecure = new https.Agent({ rejectUnauthorized: false });
// ok: tls-verification-disabled-js
const secure = new https.Agent({ rejectUnauthorized: true });

// ruleid: tls-verification-disabled-js
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
// ok: tls-verification-disabled-js
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "1";

function options(opts) {
  // ruleid: tls-verification-disabled-js
  opts.rejectUnauthorized = false;
  return opts;
}

// Test target for tls-verification-disabled-js on TypeScript (semgrep --test annotations).
import axios from "axios";
import https from "https";

export const client = axios.create({
  // ruleid: tls-verification-disabled-js
  httpsAgent: new https.Agent({ rejectUnauthorized: false }),
});

// ok: tls-verification-disabled-js
export const strict = axios.create({ httpsAgent: new https.Agent({ keepAlive: true }) });

// Test target for pii-to-network-js (semgrep --test annotations).
const axios = require("axios");
const https = require("https");
const crypto = require("crypto");

const URL = "https://api.example.test/v1/contacts";

async function syncContact(req, user, count, userId) {
  const { email } = req.body;
  // ruleid: pii-to-network-js
  await fetch(URL, { method: "POST", body: JSON.stringify({ email }) });
  // ruleid: pii-to-network-js
  await axios.post(URL, { phone: user.phoneNumber });
  // ruleid: pii-to-network-js
  await fetch(`${URL}?dob=${req.query["date_of_birth"]}`);
  // ok: pii-to-network-js
  await axios.post(URL, { count });
  // ok: pii-to-network-js
  await fetch(URL, { method: "POST", body: JSON.stringify({ user: userId }) });
  const hashed = crypto.createHash("sha256").update(email).digest("hex");
  // ok: pii-to-network-js
  await axios.post(URL, { contact: hashed });
  // ok: pii-to-network-js
  await axios.post(URL, { contact: maskEmail(email) });
}

function rawRequest(ssn) {
  const request = https.request(URL, { method: "POST" });
  // ruleid: pii-to-network-js
  request.write(JSON.stringify({ ssn }));
  request.end();
}

const api = axios.create({ baseURL: URL });

async function viaInstance(user) {
  // ruleid: pii-to-network-js
  await api.post("/contacts", { email: user.email });
  // ok: pii-to-network-js
  await api.post("/contacts", { id: user.id });
}

// Test target for pii-to-log-js (semgrep --test annotations).
const winston = require("winston");
const pino = require("pino");

const logger = winston.createLogger({});
const log = pino();

function signup(req, user) {
  const { email, phoneNumber } = req.body;
  // ruleid: pii-to-log-js
  console.log("signup", email);
  // ruleid: pii-to-log-js
  logger.info(`phone ${phoneNumber}`);
  // ruleid: pii-to-log-js
  log.warn({ ip: req.ipAddress }, "new signup");
  // ruleid: pii-to-log-js
  this.logger.error("bad card " + user.creditCard);
  // ok: pii-to-log-js
  console.log("signup", user.id);
  // ok: pii-to-log-js
  logger.info("signup", { email: redact(email) });
}

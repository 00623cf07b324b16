// Test target for pii-to-log-js on TypeScript (semgrep --test annotations).
import pino from "pino";

const logger = pino();

export function audit(user: { id: string; lastName: string }): void {
  // ruleid: pii-to-log-js
  logger.info({ name: user.lastName }, "audit");
  // ok: pii-to-log-js
  logger.info({ user: user.id }, "audit");
}

// Test target for pii-to-network-js on TypeScript (semgrep --test annotations).
import axios from "axios";

interface Customer {
  id: string;
  creditCardNumber: string;
}

export async function charge(customer: Customer, ipAddress: string): Promise<void> {
  // ruleid: pii-to-network-js
  await axios.post("/charge", { card: customer.creditCardNumber });
  // ruleid: pii-to-network-js
  await fetch("/audit", { method: "POST", body: ipAddress });
  // ok: pii-to-network-js
  await axios.post("/charge", { customer: customer.id });
}

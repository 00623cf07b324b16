// Test target for sql-from-strings-js on TypeScript (semgrep --test annotations).
import { PrismaClient } from "@prisma/client";

const prisma = new PrismaClient();

export async function byEmail(email: string): Promise<unknown> {
  // ruleid: sql-from-strings-js
  await prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${email}'`);
  // ok: sql-from-strings-js
  return prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${email}`;
}

// Test target for sql-from-strings-js (semgrep --test annotations).
const { Pool } = require("pg");
const sql = require("sql-template-tag");

const pool = new Pool();

async function find(req) {
  const { id, name } = req.query;
  // ruleid: sql-from-strings-js
  await pool.query(`SELECT * FROM users WHERE id = ${id}`);
  const q = "SELECT * FROM users WHERE name = '" + name + "'";
  // ruleid: sql-from-strings-js
  await pool.query(q);
  // ok: sql-from-strings-js
  await pool.query("SELECT * FROM users WHERE id = $1", [id]);
  // ok: sql-from-strings-js
  await pool.query(sql`SELECT * FROM users WHERE id = ${id}`);
  // ok: sql-from-strings-js
  await pool.query("SELECT * FROM users WHERE name LIKE $1", [`%${name}%`]);
}

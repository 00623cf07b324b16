"""Test target for sql-from-strings-python (semgrep --test annotations)."""
# ruff: noqa  (deliberately vulnerable test target: undefined names, unused results)
import sqlite3

from sqlalchemy import text

TABLE = "users"


def find(conn: sqlite3.Connection, name, user_id, session):
    cur = conn.cursor()
    # ruleid: sql-from-strings-python
    cur.execute("SELECT * FROM users WHERE name = '" + name + "'")
    # ruleid: sql-from-strings-python
    cur.execute(f"SELECT * FROM users WHERE id = {user_id}")
    query = "DELETE FROM users WHERE name = '%s'" % name
    # ruleid: sql-from-strings-python
    cur.execute(query)
    # ruleid: sql-from-strings-python
    session.execute(text("SELECT * FROM users WHERE name = '{}'".format(name)))
    # ok: sql-from-strings-python
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: sql-from-strings-python
    cur.execute("SELECT * FROM users WHERE name LIKE ?", (f"%{name}%",))
    # ok: sql-from-strings-python
    cur.execute("SELECT * FROM " + TABLE + " WHERE id = ?", (user_id,))
    # ok: sql-from-strings-python
    session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id})

// Test target for sql-from-strings-java (semgrep --test annotations).
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.persistence.EntityManager;

class UserDao {
    private static final String TABLE = "users";

    ResultSet find(Connection conn, EntityManager em, String name, long id) throws Exception {
        Statement stmt = conn.createStatement();
        // ruleid: sql-from-strings-java
        stmt.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        String query = String.format("DELETE FROM users WHERE id = %s", id);
        // ruleid: sql-from-strings-java
        stmt.executeUpdate(query);
        StringBuilder sb = new StringBuilder("SELECT * FROM users WHERE name = '");
        sb.append(name).append("'");
        // ruleid: sql-from-strings-java
        stmt.execute(sb.toString());
        // ruleid: sql-from-strings-java
        em.createQuery("FROM User u WHERE u.name = '" + name + "'");
        // ok: sql-from-strings-java
        PreparedStatement ps = conn.prepareStatement("SELECT * FROM users WHERE name = ?");
        ps.setString(1, name);
        // ok: sql-from-strings-java
        stmt.executeQuery("SELECT * FROM " + TABLE + " WHERE active = true");
        // ok: sql-from-strings-java
        em.createQuery("FROM User u WHERE u.name = :name").setParameter("name", name);
        return ps.executeQuery();
    }
}

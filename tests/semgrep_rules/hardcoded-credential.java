// Test target for hardcoded-credential-java (semgrep --test annotations).
// The literal values are deliberately fake; the allowlist pragmas keep detect-secrets quiet.
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;

class Config {
    // ruleid: hardcoded-credential-java
    private static final String API_KEY = "fake-key-for-tests"; // pragma: allowlist secret
    // ok: hardcoded-credential-java
    private static final String API_KEY_ENV = "API_KEY";
    // ok: hardcoded-credential-java
    private String password = System.getenv("DB_PASSWORD");

    Connection connect(String user) throws Exception {
        Properties props = new Properties();
        // ruleid: hardcoded-credential-java
        props.setProperty("password", "not-a-real-password"); // pragma: allowlist secret
        // ok: hardcoded-credential-java
        props.setProperty("user", "app");
        // ruleid: hardcoded-credential-java
        return DriverManager.getConnection("jdbc:postgresql://db/app", user, "fake-pass-for-tests"); // pragma: allowlist secret
    }

    void builder(DataSourceBuilder builder) {
        // ruleid: hardcoded-credential-java
        builder.setPassword("fake-pass-for-tests"); // pragma: allowlist secret
        // ok: hardcoded-credential-java
        builder.setPassword(System.getenv("DB_PASSWORD"));
    }
}

// Test target for pii-to-log-java (semgrep --test annotations).
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

class Signup {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(Signup.class);
    private static final Logger JUL = Logger.getLogger("signup");
    private final org.apache.logging.log4j.Logger logger =
        org.apache.logging.log4j.LogManager.getLogger(Signup.class);

    void handle(User user, String email, javax.servlet.http.HttpServletRequest request) {
        // ruleid: pii-to-log-java
        LOG.info("signup from {}", email);
        // ruleid: pii-to-log-java
        logger.warn("phone " + user.getPhoneNumber());
        // ruleid: pii-to-log-java
        LOG.debug("ssn {}", request.getParameter("ssn"));
        // ruleid: pii-to-log-java
        Logger.getLogger("x").severe("passport " + user.passportNumber);
        // ok: pii-to-log-java
        LOG.info("signup for user {}", user.getId());
        // ok: pii-to-log-java
        LOG.info("signup {}", maskEmail(email));
    }
}

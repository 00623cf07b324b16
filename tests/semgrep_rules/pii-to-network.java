// Test target for pii-to-network-java (semgrep --test annotations).
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.apache.commons.codec.digest.DigestUtils;
import org.springframework.web.client.RestTemplate;

class ContactSync {
    private final HttpClient client = HttpClient.newHttpClient();
    private final RestTemplate restTemplate = new RestTemplate();

    void httpClient(User user, String email, int count) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://api.example.test"))
            // ruleid: pii-to-network-java
            .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\"}"))
            .build();
        client.send(request, HttpResponse.BodyHandlers.ofString());
        HttpRequest counted = HttpRequest.newBuilder(URI.create("https://api.example.test"))
            // ok: pii-to-network-java
            .POST(HttpRequest.BodyPublishers.ofString("{\"count\":" + count + "}"))
            .build();
        HttpRequest hashed = HttpRequest.newBuilder(URI.create("https://api.example.test"))
            // ok: pii-to-network-java
            .POST(HttpRequest.BodyPublishers.ofString(DigestUtils.sha256Hex(email)))
            .build();
    }

    void okHttp(User user) {
        // ruleid: pii-to-network-java
        RequestBody body = RequestBody.create(user.getPhoneNumber(), MediaType.get("text/plain"));
        // ruleid: pii-to-network-java
        FormBody form = new FormBody.Builder().add("ssn", user.ssn).build();
        // ok: pii-to-network-java
        RequestBody other = RequestBody.create(user.getId(), MediaType.get("text/plain"));
    }

    void rest(User user) {
        // ruleid: pii-to-network-java
        restTemplate.postForObject("https://api.example.test", user.getDateOfBirth(), String.class);
        // ok: pii-to-network-java
        restTemplate.postForObject("https://api.example.test", user.getId(), String.class);
    }

    void urlConnection(String passportNumber) throws Exception {
        HttpURLConnection conn = (HttpURLConnection) new URL("https://api.example.test").openConnection();
        conn.setDoOutput(true);
        try (OutputStream out = conn.getOutputStream()) {
            // ruleid: pii-to-network-java
            out.write(passportNumber.getBytes(StandardCharsets.UTF_8));
            // ok: pii-to-network-java
            out.write("ping".getBytes(StandardCharsets.UTF_8));
        }
    }
}

// Test target for tls-verification-disabled-java (semgrep --test annotations).
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;

class TrustAll implements X509TrustManager {
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    // ruleid: tls-verification-disabled-java
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {}

    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
}

class Pinned implements X509TrustManager {
    private final X509TrustManager delegate;

    Pinned(X509TrustManager delegate) { this.delegate = delegate; }

    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    // ok: tls-verification-disabled-java
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    public X509Certificate[] getAcceptedIssuers() { return delegate.getAcceptedIssuers(); }
}

class Verifiers {
    void install(HttpsURLConnection conn) {
        HostnameVerifier any = new HostnameVerifier() {
            // ruleid: tls-verification-disabled-java
            public boolean verify(String host, SSLSession session) { return true; }
        };
        // ruleid: tls-verification-disabled-java
        conn.setHostnameVerifier((host, session) -> true);
        // ok: tls-verification-disabled-java
        conn.setHostnameVerifier((host, session) -> host.equals("api.example.test"));
    }
}

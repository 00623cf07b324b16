// Test target for hardcoded-credential-go (semgrep --test annotations).
// The literal values are deliberately fake; the allowlist pragmas keep detect-secrets quiet.
package config

import (
	"net/http"
	"os"
)

// ruleid: hardcoded-credential-go
const apiKey = "fake-key-for-tests" // pragma: allowlist secret

// ok: hardcoded-credential-go
const apiKeyEnv = "API_KEY"

type DB struct {
	User     string
	Password string
}

func Connect(req *http.Request) DB {
	// ruleid: hardcoded-credential-go
	secret := "fake-secret-for-tests" // pragma: allowlist secret
	_ = secret
	// ok: hardcoded-credential-go
	token := os.Getenv("TOKEN")
	_ = token
	// ruleid: hardcoded-credential-go
	req.SetBasicAuth("app", "fake-pass-for-tests") // pragma: allowlist secret
	// ruleid: hardcoded-credential-go
	return DB{User: "app", Password: "not-a-real-password"} // pragma: allowlist secret
}

func FromEnv() DB {
	// ok: hardcoded-credential-go
	return DB{User: "app", Password: os.Getenv("DB_PASSWORD")}
}

// Test target for pii-to-network-go (semgrep --test annotations).
package contacts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

type User struct {
	ID    string
	Email string
	Phone string
}

func Sync(client *http.Client, user User, r *http.Request, count int) error {
	payload, _ := json.Marshal(map[string]string{"email": user.Email})
	// ruleid: pii-to-network-go
	if _, err := http.Post("https://api.example.test", "application/json", bytes.NewReader(payload)); err != nil {
		return err
	}
	ssn := r.FormValue("ssn")
	// ruleid: pii-to-network-go
	req, _ := http.NewRequest("POST", "https://api.example.test", strings.NewReader(ssn))
	// ruleid: pii-to-network-go
	req.Header.Set("X-Phone", user.Phone)
	// ruleid: pii-to-network-go
	client.Do(req)
	// ok: pii-to-network-go
	http.Post("https://api.example.test", "text/plain", strings.NewReader(user.ID))
	sum := sha256.Sum256([]byte(user.Email))
	// ok: pii-to-network-go
	http.Post("https://api.example.test", "text/plain", strings.NewReader(hex.EncodeToString(sum[:])))
	return nil
}

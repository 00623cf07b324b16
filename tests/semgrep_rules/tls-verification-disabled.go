// Test target for tls-verification-disabled-go (semgrep --test annotations).
package client

import (
	"crypto/tls"
	"net/http"
)

func Insecure() *http.Client {
	// ruleid: tls-verification-disabled-go
	config := &tls.Config{InsecureSkipVerify: true}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: config}}
}

func Secure() *http.Client {
	// ok: tls-verification-disabled-go
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	// ok: tls-verification-disabled-go
	config.InsecureSkipVerify = false
	return &http.Client{Transport: &http.Transport{TLSClientConfig: config}}
}

func Later(config *tls.Config) {
	// ruleid: tls-verification-disabled-go
	config.InsecureSkipVerify = true
}

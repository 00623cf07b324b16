// Test target for pii-to-log-go (semgrep --test annotations).
package signup

import (
	"log"
	"log/slog"
	"net/http"

	"go.uber.org/zap"
)

type User struct {
	ID        string
	Email     string
	BirthDate string
}

func Handle(logger *zap.Logger, user User, r *http.Request) {
	// ruleid: pii-to-log-go
	log.Printf("signup from %s", user.Email)
	// ruleid: pii-to-log-go
	slog.Info("signup", "ip", r.FormValue("ip_address"))
	// ruleid: pii-to-log-go
	logger.Info("signup", zap.String("dob", user.BirthDate))
	// ok: pii-to-log-go
	log.Printf("signup for user %s", user.ID)
	// ok: pii-to-log-go
	slog.Info("signup", "email", redactEmail(user.Email))
}

package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Claims identify the caller of a request.
type Claims struct {
	Subject   string
	ExpiresAt time.Time
}

var ErrBadSignature = errors.New("auth: bad signature")

// IssueToken signs the subject with the secret.
func IssueToken(secret []byte, claims Claims) string {
	payload := claims.Subject + "|" + claims.ExpiresAt.UTC().Format(time.RFC3339)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(payload))
	return payload + "|" + hex.EncodeToString(mac.Sum(nil))
}

// ValidateToken checks the signature and returns the claims.
func ValidateToken(secret []byte, token string) (Claims, error) {
	parts := strings.Split(token, "|")
	if len(parts) != 3 {
		return Claims{}, ErrBadSignature
	}
	expires, err := time.Parse(time.RFC3339, parts[1])
	if err != nil {
		return Claims{}, err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "|" + parts[1]))
	if hex.EncodeToString(mac.Sum(nil)) != parts[2] {
		return Claims{}, ErrBadSignature
	}
	return Claims{Subject: parts[0], ExpiresAt: expires}, nil
}

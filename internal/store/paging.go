package store

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// DefaultPageSize and MaxPageSize bound list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

func clampLimit(n int) int {
	if n <= 0 || n > MaxPageSize {
		return DefaultPageSize
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

// A cursor is opaque to clients: base64url of a small JSON position. It
// pins a page boundary by (created_at, id), so rows inserted meanwhile
// neither repeat nor vanish the way offsets would make them.
type cursor struct {
	At time.Time `json:"t,omitzero"`
	ID string    `json:"i,omitempty"`
	N  int64     `json:"n,omitempty"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass next_cursor from the previous page as is")
	}
	return c, nil
}

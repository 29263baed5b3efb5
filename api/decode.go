package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// decodeJSON decodes a JSON body strictly: unknown fields, trailing data and
// wrong types are 400s that say where the problem is.
func decodeJSON(c *fiber.Ctx, dst any) error {
	if ct := string(c.Request().Header.ContentType()); !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return invalid("Content-Type must be application/json")
	}
	return decodeJSONBytes(c.Body(), dst)
}

// decodeJSONBytes is decodeJSON's strict decoding, for bodies that were
// reworked first (a PATCH merged onto the current resource).
func decodeJSONBytes(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return invalid("request body is empty")
		case errors.As(err, &syn):
			return invalid("malformed JSON at byte %d", syn.Offset)
		case errors.As(err, &typ):
			return invalid("field %q must be %s", typ.Field, typ.Type.String())
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return invalid("%s", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return invalid("malformed JSON: %v", err)
		}
	}
	if dec.More() {
		return invalid("unexpected data after the JSON object")
	}
	return nil
}

package payloadcodec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/switchboard/switchboard/internal/domain"
)

// MaxRequestBody bounds a codec request: the UI sends one event's payloads
// at a time, and Temporal refuses payloads over 2 MB anyway.
const MaxRequestBody = 8 << 20

// HeaderNamespace is the header the Temporal UI and CLI name the
// namespace with.
const HeaderNamespace = "X-Namespace"

// RequestError is a request the codec protocol refuses (400).
type RequestError struct{ Message string }

func (e *RequestError) Error() string { return e.Message }

// Transcode answers one request of Temporal's codec-server protocol:
// op "encode" or "decode", body {"payloads": [{"metadata": {...}, "data":
// "<base64>"}]}. namespace is the request's X-Namespace ("" when absent);
// a codec serves its own namespace only.
func (c *Codec) Transcode(op, namespace, ownNamespace string, body []byte) ([]byte, error) {
	if namespace != "" && namespace != ownNamespace {
		return nil, &RequestError{fmt.Sprintf("this codec serves namespace %q, not %q", ownNamespace, namespace)}
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		return nil, &RequestError{"the body must be {\"payloads\": [{\"metadata\": {...}, \"data\": \"<base64>\"}]}"}
	}
	var out []*commonpb.Payload
	var err error
	switch op {
	case "encode":
		out, err = c.Encode(in.Payloads)
	case "decode":
		out, err = c.Decode(in.Payloads)
	default:
		return nil, &RequestError{"unknown codec operation " + op}
	}
	if err != nil {
		if errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrTampered) {
			return nil, &RequestError{err.Error()}
		}
		return nil, err
	}
	return protojson.Marshal(&commonpb.Payloads{Payloads: out})
}

// Handler serves POST /codec/encode and /codec/decode without credentials,
// for the operations listener, where the Temporal UI calls it from the
// operator's browser (it cannot send our keys). Only uiOrigin may call it
// from a browser (CORS, preflight without credentials); a request from any
// other origin is refused, and JSON is required, so that a page elsewhere
// cannot make the browser post to it.
func Handler(c *Codec, ownNamespace, uiOrigin string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			if uiOrigin == "" || !strings.EqualFold(origin, uiOrigin) {
				writeError(w, http.StatusForbidden, "origin "+origin+" may not call this codec (SWITCHBOARD_TEMPORAL_UI_ORIGIN)")
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Vary", "Origin")
		}
		op := strings.TrimPrefix(r.URL.Path, "/codec/")
		if op != "encode" && op != "decode" {
			writeError(w, http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path)
			return
		}
		switch r.Method {
		case http.MethodOptions: // CORS preflight: no credentials, by design
			h := w.Header()
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "POST, OPTIONS")
			writeError(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		out, err := c.Transcode(op, r.Header.Get(HeaderNamespace), ownNamespace, body)
		var re *RequestError
		switch {
		case errors.As(err, &re):
			writeError(w, http.StatusBadRequest, re.Message)
			return
		case err != nil:
			writeError(w, http.StatusInternalServerError, "codec failed")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(out)
	})
}

// writeError answers in the API's error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	code := domain.CodeInvalid
	switch status {
	case http.StatusForbidden:
		code = domain.CodeForbidden
	case http.StatusNotFound:
		code = domain.CodeNotFound
	case http.StatusRequestEntityTooLarge:
		code = domain.CodeTooLarge
	case http.StatusInternalServerError:
		code = domain.CodeInternal
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": domain.Error{Code: code, Message: msg}})
}

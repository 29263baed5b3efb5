package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// IdempotencyStore keeps the Idempotency-Key claims and their answers.
type IdempotencyStore interface {
	ClaimIdempotencyKey(ctx context.Context, k store.IdempotencyKey, requestHash string, t store.IdempotencyTimes) (store.Claim, error)
	CompleteIdempotencyKey(ctx context.Context, k store.IdempotencyKey, owner string, resp store.StoredResponse) (bool, error)
	ReleaseIdempotencyKey(ctx context.Context, k store.IdempotencyKey, owner string) error
}

// HeaderIdempotencyKey is the request header that makes a creating POST
// safe to retry (docs/idempotency.md).
const HeaderIdempotencyKey = "Idempotency-Key"

// headerReplayed marks an answer replayed from an earlier request.
const headerReplayed = "Idempotent-Replayed"

const (
	// idempotencyTTL: how long a key is remembered (the spec's 24 h).
	idempotencyTTL = 24 * time.Hour
	// idempotencyLease: a request still "running" after this long died
	// with its process (every creating route answers within SendWait, 10 s,
	// plus a few Temporal round trips), so a retry may take it over.
	idempotencyLease = 2 * time.Minute
	// DefaultIdempotencyWait bounds how long a retry waits for the first
	// request with its key before 409 IDEMPOTENCY_KEY_IN_PROGRESS: the
	// first answers within SendWait (10 s) plus a few round trips, so a
	// retry sent at once nearly always gets that answer instead of a 409.
	DefaultIdempotencyWait = 15 * time.Second
	maxIdempotencyKey      = 255
	idempotencyUUIDLocal   = "idempotency_uuid"
)

// idempotencyNamespace derives requestUUID's ids (uuid.NewSHA1).
var idempotencyNamespace = uuid.MustParse("1f0f4c4e-5a0e-4d5c-9a57-2f0d1fd0a8a1")

// idempotent is the middleware of every POST that creates something
// (messages, conversations): with an Idempotency-Key header, the first
// request runs and its answer is kept 24 h; a retry with the same body
// gets that answer (header Idempotent-Replayed: true) and creates nothing;
// the same key with another body is 422; a retry while the first still
// runs waits for its answer up to IdempotencyWait, then gets 409. Keys are
// scoped to the credential and the route (pattern and path parameters).
//
// Only 2xx and 4xx answers other than 429 are kept: nothing was created by
// a 4xx, and its answer holds for the same body; a 5xx or a 429 says
// "try again", so the key is released and the retry runs for real (with
// the same requestUUID, so whatever the first attempt left half done in
// Temporal is found, not made twice).
func (s *Server) idempotent(c *fiber.Ctx) error {
	raw := c.Get(HeaderIdempotencyKey)
	if raw == "" {
		return c.Next()
	}
	key, err := parseIdempotencyKey(raw)
	if err != nil {
		return err
	}
	k := store.IdempotencyKey{Scope: credentialScope(c), Route: routeKey(c), Key: key}
	hash := requestHash(c)
	c.Locals(idempotencyUUIDLocal, uuid.NewSHA1(idempotencyNamespace,
		[]byte(k.Scope+"\n"+k.Route+"\n"+k.Key+"\n"+hash)).String())

	ctx := c.UserContext()
	times := store.IdempotencyTimes{TTL: idempotencyTTL, Lease: idempotencyLease}
	deadline := time.Now().Add(s.idempotencyWait())
	poll := 50 * time.Millisecond
	for {
		claim, err := s.idempotency.ClaimIdempotencyKey(ctx, k, hash, times)
		if err != nil {
			s.logger.Warn("idempotency key lookup failed", "route", k.Route, "err", err)
			return domain.Errorf(domain.CodeUnavailable, "the Idempotency-Key could not be checked (database unavailable); retry with the same key")
		}
		switch claim.State {
		case store.ClaimMismatch:
			return domain.Errorf(domain.CodeIdempotencyKeyReused,
				"this Idempotency-Key was used for a request with another body on this route; use a new key for a new request")
		case store.ClaimReplay:
			return replay(c, claim.Response)
		case store.ClaimAcquired:
			return s.runIdempotent(c, k, claim)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return domain.Errorf(domain.CodeIdempotencyKeyInProgress,
				"the first request with this Idempotency-Key is still running after %s; retry with the same key to get its answer", s.idempotencyWait())
		}
		time.Sleep(min(poll, left))
		poll = min(2*poll, 500*time.Millisecond)
	}
}

func (s *Server) idempotencyWait() time.Duration {
	if s.IdempotencyWait > 0 {
		return s.IdempotencyWait
	}
	return DefaultIdempotencyWait
}

// runIdempotent runs the request under an acquired claim, then keeps its
// answer or releases the key.
func (s *Server) runIdempotent(c *fiber.Ctx, k store.IdempotencyKey, claim store.Claim) error {
	if claim.TakenOver {
		s.logger.Warn("idempotency key taken over from a request that never finished", "route", k.Route)
	}
	if err := c.Next(); err != nil {
		// Answer the error now, so that the answer kept is the one sent
		// (observe does the same for every request).
		if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	// The request's own context may be done; the key must still be settled.
	ctx := context.WithoutCancel(c.UserContext())
	status := c.Response().StatusCode()
	if !keepAnswer(status) {
		if err := s.idempotency.ReleaseIdempotencyKey(ctx, k, claim.Owner); err != nil {
			// The key stays "running" until its lease ends: retries get 409, then run.
			s.logger.Warn("releasing an idempotency key failed", "route", k.Route, "err", err)
		}
		return nil
	}
	resp := store.StoredResponse{Status: status, Body: bytes.Clone(c.Response().Body()),
		Headers: map[string]string{fiber.HeaderContentType: string(c.Response().Header.ContentType())}}
	if loc := c.Response().Header.Peek(fiber.HeaderLocation); len(loc) > 0 {
		resp.Headers[fiber.HeaderLocation] = string(loc)
	}
	ok, err := s.idempotency.CompleteIdempotencyKey(ctx, k, claim.Owner, resp)
	switch {
	case err != nil:
		// A retry after the lease runs the request again with the same
		// requestUUID: the workflow finds the message it already has.
		s.logger.Warn("storing an idempotent answer failed", "route", k.Route, "err", err)
	case !ok:
		s.logger.Warn("idempotency key was taken over while this request ran; the other request's answer is kept", "route", k.Route)
	}
	return nil
}

// keepAnswer: 2xx, and 4xx but 429.
func keepAnswer(status int) bool {
	return status >= 200 && status < 300 || status >= 400 && status < 500 && status != fiber.StatusTooManyRequests
}

// replay answers with a kept answer.
func replay(c *fiber.Ctx, resp store.StoredResponse) error {
	for name, v := range resp.Headers {
		c.Set(name, v)
	}
	c.Set(headerReplayed, "true")
	return c.Status(resp.Status).Send(resp.Body)
}

// requestUUID is the id of what this request creates (the message id, which
// is also the Temporal update id): derived from the credential, the route,
// the Idempotency-Key and the body when the header is present, so a retry
// that runs again (a 5xx released the key, or a takeover after a crash)
// sends the same update and the workflow deduplicates it; random otherwise.
func requestUUID(c *fiber.Ctx) string {
	if id, ok := c.Locals(idempotencyUUIDLocal).(string); ok && id != "" {
		return id
	}
	return uuid.NewString()
}

// parseIdempotencyKey accepts 1 to 255 printable ASCII characters, bare
// (as Stripe's clients send it) or as a quoted string (the IETF draft's
// Structured Field form): "abc" and abc are the same key.
func parseIdempotencyKey(raw string) (string, error) {
	key := raw
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	if key == "" || len(key) > maxIdempotencyKey {
		return "", invalid("%s must be 1 to %d characters", HeaderIdempotencyKey, maxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", invalid("%s must be printable ASCII (a UUID is a good key)", HeaderIdempotencyKey)
		}
	}
	return strings.Clone(key), nil
}

// credentialScope hashes who is calling: the agent's id (its identity
// survives a token rotation), or the admin key presented. The secret itself
// is never stored, only this hash.
func credentialScope(c *fiber.Ctx) string {
	identity := ""
	if p, ok := requestPrincipal(c); ok && p.agent != nil && p.agent.ID != "" {
		identity = "agent\x00" + p.agent.ID
	} else {
		token, _ := bearer(c)
		identity = "admin-key\x00" + token
	}
	sum := sha256.Sum256([]byte("switchboard idempotency scope\x00" + identity))
	return hex.EncodeToString(sum[:])
}

// routeKey is the route pattern with its concrete path parameters:
// "POST /api/v1/conversations/:id/messages id=<id>".
func routeKey(c *fiber.Ctx) string {
	var b strings.Builder
	b.WriteString(c.Method())
	b.WriteByte(' ')
	r := c.Route()
	b.WriteString(r.Path)
	for _, name := range r.Params {
		b.WriteByte(' ')
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(c.Params(name))
	}
	return b.String()
}

// requestHash fingerprints the request: query and body, byte for byte (a
// retry sends the same bytes; re-encoded JSON is another body). A
// multipart body is fingerprinted by its parts (names, file names, types,
// contents): clients pick a new random boundary for every attempt.
func requestHash(c *fiber.Ctx) string {
	h := sha256.New()
	h.Write(c.Request().URI().QueryString())
	h.Write([]byte{0})
	if !multipartFingerprint(c, h) {
		h.Write(c.Body())
	}
	return hex.EncodeToString(h.Sum(nil))
}

package api

import (
	"errors"
	"mime"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
)

// mediaURLPurpose separates these signatures from any other use of the key.
const mediaURLPurpose = "media-url"

// signedMediaURL is the public URL of a stored file until expires:
// /media/{id}/{expires}/{signature}. The id is random and the signature
// an HMAC of id and expiry with a key derived from SWITCHBOARD_SECRET_KEY,
// so the URL can be neither guessed nor extended.
func (s *Server) signedMediaURL(id string, expires time.Time) string {
	return s.cfg.PublicURL(MediaURLPath(s.box, id, expires))
}

// MediaURLPath is the signed path of stored file id until expires.
func MediaURLPath(box *secret.Box, id string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return "/media/" + id + "/" + exp + "/" + box.Sign(mediaURLPurpose, id+"."+exp)
}

// publicMedia serves an agent's file to whoever holds its signed URL
// (Twilio fetches it anonymously, with HEAD and GET): the exact bytes with
// their Content-Type. A wrong signature or an unknown file is 404, an
// expired link 410.
func (s *Server) publicMedia(c *fiber.Ctx) error {
	id, exp, sig := c.Params("id"), c.Params("expires"), c.Params("signature")
	notFound := notFoundError("no such media")
	if !s.box.Verify(mediaURLPurpose, id+"."+exp, sig) {
		return notFound
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return notFound
	}
	if time.Now().After(time.Unix(unix, 0)) {
		return domain.Errorf(domain.CodeExpired, "this media link expired")
	}
	m, err := s.media.GetOutboundMedia(c.UserContext(), id)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeNotFound {
			return notFound
		}
		return err
	}
	c.Set(fiber.HeaderContentType, m.ContentType)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	disposition := "inline"
	if m.Filename != "" {
		disposition = mime.FormatMediaType("inline", map[string]string{"filename": m.Filename})
	}
	c.Set(fiber.HeaderContentDisposition, disposition)
	return c.Send(m.Data)
}

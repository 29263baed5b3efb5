package api

import (
	"bytes"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// multipartFingerprint writes the parts of a multipart/form-data body to h,
// boundary left out, and reports whether the body was one (false: hash the
// raw bytes instead, malformed bodies included).
func multipartFingerprint(c *fiber.Ctx, h hash.Hash) bool {
	mt, params, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if err != nil || mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return false
	}
	r := multipart.NewReader(bytes.NewReader(c.Body()), params["boundary"])
	// Straight into h: a malformed body that fails half way then has its
	// raw bytes hashed after the parts read, still the same for the same
	// bytes.
	h.Write([]byte("multipart\x00"))
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false
		}
		for _, v := range []string{p.FormName(), p.FileName(), p.Header.Get(fiber.HeaderContentType)} {
			h.Write([]byte(strconv.Itoa(len(v)) + ":" + v))
		}
		n, err := io.Copy(h, p)
		if err != nil {
			return false
		}
		h.Write([]byte(";" + strconv.FormatInt(n, 10) + ";"))
	}
	return true
}

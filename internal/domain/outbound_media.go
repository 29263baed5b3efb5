package domain

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// OutboundMedia is a file an agent sends: stored in PostgreSQL and served
// to Twilio (anonymously, behind a signed, expiring URL) byte for byte.
type OutboundMedia struct {
	ID             string    `json:"id" db:"id"`
	ConversationID string    `json:"conversation_id" db:"conversation_id"`
	Filename       string    `json:"filename" db:"filename"`
	ContentType    string    `json:"content_type" db:"content_type"`
	Size           int       `json:"size" db:"size"`
	SHA256         string    `json:"sha256" db:"sha256"`
	Data           []byte    `json:"-" db:"data"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
	ExpiresAt      time.Time `json:"expires_at" db:"expires_at"`
}

// WhatsApp's limits on what Twilio sends (Twilio's "Guidance on WhatsApp
// media messages"): 16 MB per message, 5 MB for images.
const (
	MaxWhatsAppMedia = 16 << 20
	MaxWhatsAppImage = 5 << 20
)

// whatsAppMediaTypes are the content types Twilio sends over WhatsApp,
// with the kind each is shown as.
var whatsAppMediaTypes = map[string]string{
	"image/jpeg": "image", "image/png": "image", "image/webp": "image",
	"audio/ogg": "audio", "audio/amr": "audio", "audio/3gpp": "audio", "audio/aac": "audio", "audio/mpeg": "audio",
	"video/mp4":       "video",
	"application/pdf": "document", "application/msword": "document",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "document",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "document",
	"text/vcard": "contact", "text/x-vcard": "contact",
}

// sniffable are the types whose bytes Go's content sniffing recognises:
// for them the bytes must agree with the declared type, since Twilio
// refuses a file whose Content-Type does not match its content.
var sniffable = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "application/pdf": true}

// MediaKind returns how WhatsApp shows a content type (image, audio,
// video, document, contact) and false for types it does not take.
func MediaKind(contentType string) (string, bool) {
	k, ok := whatsAppMediaTypes[BareContentType(contentType)]
	return k, ok
}

// BareContentType is the type without parameters, lower case.
func BareContentType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// CheckWhatsAppMedia refuses, with a message saying why, a file WhatsApp
// would refuse (asynchronously, after Twilio fetched it): its type, its
// size, or bytes that are not what the type says.
func CheckWhatsAppMedia(contentType string, data []byte) error {
	ct := BareContentType(contentType)
	kind, ok := whatsAppMediaTypes[ct]
	switch {
	case !ok:
		return Errorf(CodeUnsendable, "WhatsApp does not take %q files: send JPEG, PNG or WebP images, OGG, AMR, 3GP, AAC or MPEG audio, MP4 video, PDF, DOC(X), PPTX, XLSX documents or vCards", ct)
	case len(data) == 0:
		return Errorf(CodeUnsendable, "the file is empty")
	case kind == "image" && len(data) > MaxWhatsAppImage:
		return Errorf(CodeUnsendable, "the image is %s: WhatsApp takes images up to 5 MB (send it as a PDF document, up to 16 MB)", humanSize(len(data)))
	case len(data) > MaxWhatsAppMedia:
		return Errorf(CodeUnsendable, "the file is %s: WhatsApp takes files up to 16 MB", humanSize(len(data)))
	}
	if sniffable[ct] {
		if got := BareContentType(http.DetectContentType(data)); got != ct {
			return Errorf(CodeUnsendable, "the file is sent as %s but its content is %s: Twilio refuses a file whose type does not match its content", ct, got)
		}
	}
	return nil
}

func humanSize(n int) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

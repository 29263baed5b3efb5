package domain

import (
	"strings"
	"testing"
)

func TestCheckWhatsAppMedia(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	pdf := []byte("%PDF-1.7 hello")
	for _, c := range []struct {
		name, ct string
		data     []byte
		says     string // "" = accepted
	}{
		{"png", "image/png", png, ""},
		{"pdf with parameters", "application/pdf; name=x.pdf", pdf, ""},
		{"ogg voice note", "audio/ogg", []byte("OggS...."), ""},
		{"docx (not sniffed)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []byte("PK\x03\x04"), ""},
		{"image over 5 MB", "image/png", append(png, make([]byte, 5<<20)...), "5 MB"},
		{"video over 16 MB", "video/mp4", make([]byte, 16<<20+1), "16 MB"},
		{"video of 16 MB", "video/mp4", make([]byte, 16<<20), ""},
		{"gif", "image/gif", []byte("GIF89a"), "does not take"},
		{"no type", "", pdf, "does not take"},
		{"pdf that is html", "application/pdf", []byte("<html></html>"), "content is text/html"},
		{"jpeg that is png", "image/jpeg", png, "content is image/png"},
		{"empty", "application/pdf", nil, "empty"},
	} {
		err := CheckWhatsAppMedia(c.ct, c.data)
		switch {
		case c.says == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.says != "" && (err == nil || ErrorCode(err) != CodeUnsendable || !strings.Contains(err.Error(), c.says)):
			t.Errorf("%s: %v, want UNSENDABLE saying %q", c.name, err, c.says)
		}
	}
	if k, ok := MediaKind("Audio/OGG; codecs=opus"); !ok || k != "audio" {
		t.Errorf("MediaKind(audio/ogg) = %q %v", k, ok)
	}
}

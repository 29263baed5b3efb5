// Package logging builds Switchboard's slog loggers: JSON in production,
// text in dev, with every phone number masked and known secrets scrubbed
// whatever the caller (our code, the Temporal SDK, a library) put in a line.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"

	"github.com/switchboard/switchboard/internal/domain"
)

// Options configure New.
type Options struct {
	Format  string // "json" (default) or "text"
	Level   string // debug, info (default), warn, error
	Secrets []string
}

// New returns a logger writing to w, with Redact applied.
func New(w io.Writer, o Options) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if strings.EqualFold(o.Format, "text") {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(Redact(h, o.Secrets))
}

// phoneRE finds E.164 numbers, also URL-encoded ("%2B33…"): workflow IDs
// (conv:<number>:<customer>) carry the customer's number, and the Temporal
// SDK logs them in every line about a workflow.
var phoneRE = regexp.MustCompile(`(\+|%2[bB])[1-9][0-9]{6,14}`)

// Redact wraps h: every string in a record (message, attributes, errors,
// nested groups) has its phone numbers masked with domain.Mask and every
// secret (of 8 characters or more) replaced with [redacted].
func Redact(h slog.Handler, secrets []string) slog.Handler {
	var keep []string
	for _, s := range secrets {
		if len(s) >= 8 {
			keep = append(keep, s)
		}
	}
	return &redactor{next: h, secrets: keep}
}

type redactor struct {
	next    slog.Handler
	secrets []string
}

func (r *redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.next.Enabled(ctx, l) }

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.next.Handle(ctx, out)
}

func (r *redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return &redactor{next: r.next.WithAttrs(clean), secrets: r.secrets}
}

func (r *redactor) WithGroup(name string) slog.Handler {
	return &redactor{next: r.next.WithGroup(name), secrets: r.secrets}
}

func (r *redactor) attr(a slog.Attr) slog.Attr {
	a.Value = r.value(a.Value)
	return a
}

func (r *redactor) value(v slog.Value) slog.Value {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(r.scrub(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		clean := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			clean[i] = r.attr(a)
		}
		return slog.GroupValue(clean...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case nil:
			return v
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprintf("%+v", x)
		}
		if clean := r.scrub(s); clean != s {
			return slog.StringValue(clean)
		}
		if _, isErr := v.Any().(error); isErr {
			return slog.StringValue(s) // errors print as their message either way
		}
		return v
	}
	return v
}

func (r *redactor) scrub(s string) string {
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	return phoneRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "%") {
			return "%2B" + strings.TrimPrefix(domain.Mask("+"+m[3:]), "+")
		}
		return domain.Mask(m)
	})
}

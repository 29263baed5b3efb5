package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// A Content SID is cached per account, Twilio account and content hash;
// the first one saved wins when two sends created the same content.
func TestInteractiveContentCache(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	const ac, ac2 = "AC0123456789abcdef0123456789abcdef", "ACffffffffffffffffffffffffffffffff"
	if sid, err := st.InteractiveContentSID(ctx, conv.AccountID, ac, "h1"); err != nil || sid != "" {
		t.Fatalf("before any: %q %v", sid, err)
	}
	if kept, err := st.SaveInteractiveContent(ctx, conv.AccountID, ac, "h1", "twilio/quick-reply", "HX1"); err != nil || kept != "HX1" {
		t.Fatalf("save: %q %v", kept, err)
	}
	if kept, err := st.SaveInteractiveContent(ctx, conv.AccountID, ac, "h1", "twilio/quick-reply", "HX2"); err != nil || kept != "HX1" {
		t.Fatalf("a second save of the same content keeps the first: %q %v", kept, err)
	}
	if sid, err := st.InteractiveContentSID(ctx, conv.AccountID, ac, "h1"); err != nil || sid != "HX1" {
		t.Fatalf("lookup: %q %v", sid, err)
	}
	for _, k := range [][2]string{{ac, "h2"}, {ac2, "h1"}} {
		if sid, err := st.InteractiveContentSID(ctx, conv.AccountID, k[0], k[1]); err != nil || sid != "" {
			t.Fatalf("%v: %q %v", k, sid, err)
		}
	}
	if sid, err := st.InteractiveContentSID(ctx, uuid.NewString(), ac, "h1"); err != nil || sid != "" {
		t.Fatalf("another account: %q %v", sid, err)
	}
}

// An outbound interactive message keeps what it offered; a tap names the
// message it answers (OriginalRepliedMessageSid), or else the latest one
// that offered its payload.
func TestInteractiveMessageAndTheTapThatAnswersIt(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	offer := func(ids ...string) domain.Message {
		in := &domain.Interactive{Type: domain.InteractiveButtons, Body: "Size?"}
		for _, id := range ids {
			in.Options = append(in.Options, domain.InteractiveOption{ID: id, Title: id})
		}
		m, err := st.CreateOutbound(ctx, domain.Message{ID: uuid.NewString(), ConversationID: conv.ID, Author: "admin", Body: in.Body, Interactive: in})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := offer("s", "m")
	if first.Interactive == nil || len(first.Interactive.Options) != 2 || first.Interactive.Options[1].ID != "m" {
		t.Fatalf("stored interactive: %+v", first.Interactive)
	}
	sid := "SM" + uuid.NewString()[:32]
	if _, err := st.RecordSendResult(ctx, first.ID, sid, domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	second := offer("l", "xl")
	tap := func(extra map[string]string) domain.Message {
		id := uuid.NewString()
		_, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{{ID: id, MessageSID: "SM" + uuid.NewString()[:32], Body: "tap",
			MessageType: "button", Extra: extra, ReceivedAt: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := st.GetMessage(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cases := []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"by its SID", map[string]string{"ButtonText": "s", "ButtonPayload": "s", "OriginalRepliedMessageSid": sid}, first.ID},
		{"by its payload", map[string]string{"ButtonText": "xl", "ButtonPayload": "xl"}, second.ID},
		{"a list pick by its payload", map[string]string{"ListTitle": "m", "ListId": "m"}, first.ID},
		{"an unknown SID, by its payload", map[string]string{"ButtonText": "l", "ButtonPayload": "l", "OriginalRepliedMessageSid": "SMunknown"}, second.ID},
		{"a payload nobody offered", map[string]string{"ButtonText": "?", "ButtonPayload": "nope"}, ""},
	}
	for _, c := range cases {
		m := tap(c.extra)
		got := ""
		if m.Button != nil && m.Button.OfferedBy != nil {
			got = *m.Button.OfferedBy
		}
		if m.Button == nil || got != c.want {
			t.Errorf("%s: offered_by %q, want %q (%+v)", c.name, got, c.want, m.Button)
		}
	}
}

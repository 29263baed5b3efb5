package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/switchboard/switchboard/internal/bot/examplebot"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/payloadcodec"
)

// history returns every event of a workflow's latest run, as Temporal stores it.
func (s *stack) history(t *testing.T, workflowID string) []*historypb.HistoryEvent {
	t.Helper()
	it := s.app.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// recordingBot is the example bot, which also fails on "panne" and keeps
// the query strings it was called with.
type recordingBot struct {
	mu      sync.Mutex
	queries []string
}

func (b *recordingBot) handler() http.Handler {
	bot := examplebot.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.queries = append(b.queries, r.URL.RawQuery)
		b.mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("panne")) {
			http.Error(w, "the bot is down", http.StatusInternalServerError)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		bot.ServeHTTP(w, r)
	})
}

// TestTemporalHistoryHoldsNoClearText runs a conversation through a bot
// whose URL carries a token (it answers once, then fails), an admin reply
// and a close, then reads the workflow's history as Temporal stores it:
// every payload is encrypted by the codec, every failure message is
// encoded, and no word of the customer's, of the reply or of the bot's
// error is in it; decoded, the history holds the words but never the
// bot's token; the audit log shows the bot URL with its query redacted.
// The codec endpoints decode it: the open one on the operations listener,
// and the public one with the admin key, as the Temporal CLI uses it.
func TestTemporalHistoryHoldsNoClearText(t *testing.T) {
	t.Parallel()
	// Each word looked for has a character that neither base64 (an
	// encrypted payload as protojson writes it) nor a timestamp can hold at
	// that place: "4970" alone can turn up by chance in an event time's
	// nanoseconds or in ciphertext, and once failed the test in CI.
	const botToken, customerWords, replyWords = "rasa-s3cr3t-token", "ma carte 4970-1012-3456", "Reponse-confidentielle-xyz"
	const cardNumber = "4970-1012-3456"
	rb := &recordingBot{}
	botSrv := httptest.NewServer(rb.handler())
	defer botSrv.Close()
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.AllowPrivateTargets = true })

	var q domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "support"}, http.StatusCreated, &q)
	var ws domain.Workstream
	s.admin(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "fr", "distribution": "push",
		"default_queue_id": q.ID, "bot": map[string]any{"url": botSrv.URL + "/webhooks/rest/webhook?token=" + botToken, "handoff_keyword": "conseiller"},
	}, http.StatusCreated, &ws)
	s.admin(http.MethodPatch, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID,
		map[string]any{"workstream_id": ws.ID}, http.StatusOK, nil)

	s.customerSends(customerOne, "Bonjour, "+customerWords)
	conv := s.conversationOf(customerOne)
	eventually(t, 15*time.Second, "the bot's answer", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.Author == domain.AuthorBot {
				return true
			}
		}
		return false
	})
	s.customerSends(customerOne, "panne")
	s.openConversation(customerOne, "the handoff after the bot failed", waitingInQueue)
	s.reply(t, conv.ID, replyWords)
	s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/close", map[string]any{"reason": "resolved"}, http.StatusAccepted, nil)
	eventually(t, 15*time.Second, "the conversation to close", func() bool {
		var c domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &c)
		return c.State == domain.StateClosed
	})

	rb.mu.Lock()
	calls := append([]string(nil), rb.queries...)
	rb.mu.Unlock()
	if len(calls) < 2 || calls[0] != "token="+botToken {
		t.Fatalf("the bot was called with %q, want its token each time", calls)
	}

	// As Temporal stores it.
	events := s.history(t, conv.WorkflowID)
	var total, clear, failures int
	var decoded strings.Builder
	for _, e := range events {
		raw, _ := protojson.Marshal(e)
		for _, words := range []string{cardNumber, replyWords, "the bot is down", botToken} {
			if bytes.Contains(raw, []byte(words)) {
				t.Errorf("event %d (%s) holds %q in clear", e.GetEventId(), e.GetEventType(), words)
			}
		}
		err := proxy.VisitPayloads(context.Background(), e, proxy.VisitPayloadsOptions{
			SkipSearchAttributes: true, // Temporal indexes them: the Sb* attributes stay readable, by design
			Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
				for _, p := range ps {
					total++
					if string(p.GetMetadata()[payloadcodec.MetadataEncoding]) != payloadcodec.EncodingName {
						clear++
						t.Errorf("event %d (%s): a payload in clear: %s", e.GetEventId(), e.GetEventType(), p.GetMetadata()["encoding"])
					}
				}
				plain, err := s.app.Codec.Decode(ps)
				for _, p := range plain {
					decoded.Write(p.GetData())
				}
				return ps, err
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = proxy.VisitFailures(context.Background(), e, proxy.VisitFailuresOptions{
			Visitor: func(_ *proxy.VisitFailuresContext, f *failurepb.Failure) error {
				failures++
				if f.GetMessage() != "Encoded failure" || f.GetEncodedAttributes() == nil || f.GetStackTrace() != "" {
					t.Errorf("event %d: failure not encoded: %q", e.GetEventId(), f.GetMessage())
				}
				return nil
			},
		})
	}
	if total < 10 || failures == 0 {
		t.Fatalf("%d payloads and %d failures in %d events: the history is not what the test expects", total, failures, len(events))
	}
	plain := decoded.String()
	if !strings.Contains(plain, cardNumber) || !strings.Contains(plain, replyWords) {
		t.Fatal("the decoded history lacks the conversation's words: the check above looked at nothing")
	}
	if strings.Contains(plain, botToken) {
		t.Error("the bot's token is in the workflow history (decoded)")
	}
	t.Logf("%d events, %d payloads all encrypted, %d failures encoded", len(events), total, failures)

	// The audit log keeps the bot URL, its query redacted.
	var audit struct {
		Data []struct {
			Changes json.RawMessage `json:"changes"`
		} `json:"data"`
	}
	s.admin(http.MethodGet, "/api/v1/audit-log?resource_type=workstream", nil, http.StatusOK, &audit)
	if len(audit.Data) == 0 || bytes.Contains(audit.Data[len(audit.Data)-1].Changes, []byte(botToken)) ||
		!bytes.Contains(audit.Data[len(audit.Data)-1].Changes, []byte("token=[redacted]")) {
		t.Errorf("audit of the workstream: %s", audit.Data)
	}

	// The codec endpoints: a payload of the history, decoded.
	var sample *commonpb.Payload
	for _, e := range events {
		if a := e.GetWorkflowExecutionSignaledEventAttributes(); a != nil && len(a.GetInput().GetPayloads()) > 0 {
			sample = a.GetInput().GetPayloads()[0]
			break
		}
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{sample}})
	codecCall := func(url, auth string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", s.cfg.TemporalNamespace)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	decodedBy := func(out []byte) string {
		var ps commonpb.Payloads
		if protojson.Unmarshal(out, &ps) != nil || len(ps.Payloads) != 1 {
			return ""
		}
		return string(ps.Payloads[0].GetData())
	}
	if st, out := codecCall(s.opsURL+"/codec/decode", ""); st != http.StatusOK || !strings.Contains(decodedBy(out), "4970") {
		t.Errorf("open codec endpoint: %d %s", st, out)
	}
	if st, _ := codecCall(s.apiURL+"/codec/decode", ""); st != http.StatusUnauthorized {
		t.Errorf("public codec endpoint without the key: %d", st)
	}
	if st, out := codecCall(s.apiURL+"/codec/decode", "Bearer "+s.cfg.AdminKey); st != http.StatusOK || !strings.Contains(decodedBy(out), "4970") {
		t.Errorf("public codec endpoint with the key: %d %s", st, out)
	}

	// The Temporal CLI reads the history through the public endpoint.
	root, _ := devenv.ProjectRoot()
	cli, err := devenv.EnsureTemporalCLI(context.Background(), root, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	show := func(extra ...string) string {
		args := append([]string{"workflow", "show", "--address", temporalAddr, "--namespace", s.cfg.TemporalNamespace,
			"-w", conv.WorkflowID, "--output", "json"}, extra...)
		out, err := exec.Command(cli, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("temporal workflow show: %v\n%s", err, out)
		}
		return string(out)
	}
	// Its JSON output gives payloads as stored (base64): encrypted ones say
	// so in their metadata.
	encrypted := base64.StdEncoding.EncodeToString([]byte(payloadcodec.EncodingName))
	if out := show(); !strings.Contains(out, encrypted) {
		t.Error("the CLI without the codec shows no encrypted payload")
	}
	jsonPlain := base64.StdEncoding.EncodeToString([]byte("json/plain"))
	if out := show("--codec-endpoint", s.apiURL+"/codec", "--codec-auth", "Bearer "+s.cfg.AdminKey); strings.Contains(out, encrypted) || !strings.Contains(out, jsonPlain) {
		t.Errorf("the CLI with the codec endpoint still shows encrypted payloads")
	}
}

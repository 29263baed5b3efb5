package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DatabaseURL = storetest.NewDSN(t)
	cfg.TemporalAddress = "127.0.0.1:1" // never reached: the client is lazy
	cfg.AdminKey = "test-admin-key-build-0123456789abcdef"
	cfg.SecretKeys = []string{secret.GenerateKey()}
	cfg.PayloadKey = secret.GenerateKey()
	return cfg
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// New opens what the options ask for and points the configuration at it;
// Run serves it once, with the process's one relay, and stops it all.
func TestNewAssemblesAndRunsOneProcess(t *testing.T) {
	fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "twilio:"+r.URL.Path) })
	a, err := New(context.Background(), testConfig(t), slog.New(slog.DiscardHandler),
		WithAPI("127.0.0.1:0"), WithLocalPublicURL(), WithOps("127.0.0.1:0"), WithTwilioEmulator("127.0.0.1:0", fake, fake))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Config.PublicBaseURL != a.APIURL() || "http://"+a.Config.HTTPAddr != a.APIURL() {
		t.Errorf("public URL %s, HTTP address %s, API at %s", a.Config.PublicBaseURL, a.Config.HTTPAddr, a.APIURL())
	}
	if a.Config.TwilioAPIBase != a.TwilioEmulatorURL() || a.TwilioEmulatorURL() == "" {
		t.Errorf("Twilio API base %q, emulator at %q", a.Config.TwilioAPIBase, a.TwilioEmulatorURL())
	}
	rl := a.Relay()
	if again := a.Relay(); rl == nil || again != rl {
		t.Fatal("Relay() is not the process's one relay")
	}
	dist := a.Distribution()
	if d, ok := a.Activities().Distribution.(activityDistribution); dist == nil || !ok || d.Service != dist {
		t.Error("the activities decide through another distribution than the process's one")
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get(a.APIURL() + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the API did not answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for url, want := range map[string]string{
		a.OpsURL() + "/healthz":                               "",
		a.TwilioEmulatorURL() + "/2010-04-01/Accounts/x.json": "twilio:/2010-04-01/Accounts/x.json",
		a.APIURL() + "/sim":                                   "twilio:",
	} {
		if code, body := get(t, url); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q, want 200 with %q", url, code, body, want)
		}
	}
	if err := a.Run(ctx); err == nil {
		t.Error("a second Run started")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not stop")
	}
	for _, url := range []string{a.APIURL(), a.OpsURL(), a.TwilioEmulatorURL()} {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after Run", url)
		}
	}
}

// A listener that cannot bind names its variable, and the ones already
// open are closed again.
func TestNewReportsTheAddressItCannotBind(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t)
	cfg.HTTPAddr, cfg.OpsAddr = "127.0.0.1:0", taken.Addr().String()
	err = Serve(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_OPS_ADDR="+cfg.OpsAddr) {
		t.Fatalf("Serve with a taken operations address: %v", err)
	}
}

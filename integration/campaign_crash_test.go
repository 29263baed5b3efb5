package integration

import (
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// TestCampaignWorkerKilledSendsEachRecipientOnce is the short version of
// TestCampaignOf5000SurvivesKill9 (make test).
func TestCampaignWorkerKilledSendsEachRecipientOnce(t *testing.T) {
	runCampaignKill(t, 300)
}

// TestCampaignOf5000SurvivesKill9 kill -9s the worker process a third of
// the way through a 5,000-recipient campaign and starts another: Twilio
// (the emulator) receives exactly 5,000 message-create requests, one per
// recipient (LONG_TESTS).
func TestCampaignOf5000SurvivesKill9(t *testing.T) {
	if os.Getenv("SWITCHBOARD_LOAD") == "" {
		t.Skip("a long test: make faults (SWITCHBOARD_LOAD=1)")
	}
	runCampaignKill(t, 5000)
}

func runCampaignKill(t *testing.T, n int) {
	bin := buildBinary(t)
	s := faultStack{temporal: temporalAddr, noWorker: true}.start(t)
	workerAddr := freeAddr(t)
	env := s.processEnv(workerAddr)
	worker := startProc(t, bin, "worker-1", env, "worker")
	defer checkProcessLogs(t, s, worker)
	waitHTTP(t, "http://"+workerAddr+"/readyz", 60*time.Second)

	var tpl domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("promo"), http.StatusCreated, &tpl)
	recipients := make([]map[string]any, n)
	for i := range recipients {
		recipients[i] = map[string]any{"to": fmt.Sprintf("+3375%07d", i), "variables": []string{"Ada", fmt.Sprint(i)}}
	}
	var camp domain.Campaign
	s.admin(http.MethodPost, "/api/v1/campaigns", map[string]any{"name": "spring", "number_id": s.account.Numbers[0].ID,
		"template_id": tpl.ID, "recipients": recipients}, http.StatusCreated, &camp)
	if camp.RatePerSecond != 80 || camp.Total != n {
		t.Fatalf("campaign %+v: want the sender's 80/s and %d recipients", camp, n)
	}

	eventually(t, 2*time.Minute, "a third of the campaign sent", func() bool { return s.emu.CreateRequests() >= n/3 })
	if err := worker.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-worker.done
	t.Logf("worker killed after %d sends", s.emu.CreateRequests())

	worker2 := startProc(t, bin, "worker-2", env, "worker")
	defer checkProcessLogs(t, s, worker2)
	var got domain.Campaign
	eventually(t, 5*time.Minute, "the campaign completed", func() bool {
		s.admin(http.MethodGet, "/api/v1/campaigns/"+camp.ID, nil, http.StatusOK, &got)
		return got.Status == domain.CampaignCompleted
	})
	if c := s.emu.CreateRequests(); c != n {
		t.Fatalf("Twilio received %d message-create requests for %d recipients", c, n)
	}
	per := map[string]int{}
	for _, m := range s.emu.Messages() {
		per[m.To]++
	}
	for i := range n {
		if to := fmt.Sprintf("whatsapp:+3375%07d", i); per[to] != 1 {
			t.Fatalf("recipient %d got %d messages", i, per[to])
		}
	}
	if got.Counts.Sent != n || got.Counts.Pending != 0 {
		t.Fatalf("counts %+v", *got.Counts)
	}
	// The status callbacks name the recipient: deliveries reach the counts.
	eventually(t, 30*time.Second, "deliveries counted", func() bool {
		s.admin(http.MethodGet, "/api/v1/campaigns/"+camp.ID, nil, http.StatusOK, &got)
		return got.Counts.Delivered == n
	})
}

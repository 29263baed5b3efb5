package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

var testAudit = store.Audit{Actor: "admin", Changes: json.RawMessage(`{"k":"v"}`)}

func mustQueue(t *testing.T, st *store.Store, name string) domain.Queue {
	t.Helper()
	q, err := st.CreateQueue(context.Background(), name, 0, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func mustWorkstream(t *testing.T, st *store.Store, name string, defaultQueue *string) domain.Workstream {
	t.Helper()
	w := domain.Workstream{Name: name, Language: "fr-FR", Distribution: domain.DistributionPush, CapacityPerConversation: 1,
		DefaultQueueID: defaultQueue, Attachments: domain.Attachments{Customer: true, Agent: true},
		InactivityTimeout: domain.Duration(30 * time.Minute)}
	w, err := st.CreateWorkstream(context.Background(), w, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustRule(t *testing.T, st *store.Store, wsID, name, queueID string, order int) domain.RoutingRule {
	t.Helper()
	r, err := st.CreateRoutingRule(context.Background(), wsID, domain.RoutingRule{Name: name, QueueID: queueID, Order: order}, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

package app

import (
	"log/slog"
	"testing"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

// Every dependency of the activities is wired (a missing one, Windows,
// once made every proactive start wait on a lookup that could never work).
func TestActivitiesAreFullyWired(t *testing.T) {
	box, err := secret.NewBox(secret.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	a := &App{Config: config.Defaults(), Store: &store.Store{}, Box: box, Metrics: metrics.New(nil), Logger: slog.Default()}
	if missing := activities.MissingDependencies(a.Activities()); len(missing) > 0 {
		t.Fatalf("activities without %v", missing)
	}
}

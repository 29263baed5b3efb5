package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

var idemTimes = store.IdempotencyTimes{TTL: 24 * 3600e9, Lease: 120e9}

func claim(t *testing.T, st *store.Store, k store.IdempotencyKey, hash string) store.Claim {
	t.Helper()
	c, err := st.ClaimIdempotencyKey(context.Background(), k, hash, idemTimes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A key is claimed once; while it runs the same request finds it running,
// another body finds a mismatch; once completed every retry gets the stored
// answer; a second owner cannot overwrite it.
func TestIdempotencyKeyClaimCompleteReplay(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	k := store.IdempotencyKey{Scope: "s1", Route: "POST /api/v1/conversations/:id/messages id=c1", Key: "k1"}

	first := claim(t, st, k, "h1")
	if first.State != store.ClaimAcquired || first.Owner == "" || first.TakenOver {
		t.Fatalf("first claim: %+v", first)
	}
	if c := claim(t, st, k, "h1"); c.State != store.ClaimRunning {
		t.Fatalf("same request while the first runs: %+v", c)
	}
	if c := claim(t, st, k, "h2"); c.State != store.ClaimMismatch {
		t.Fatalf("another body: %+v", c)
	}
	resp := store.StoredResponse{Status: 201, Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{"id":"m1"}`)}
	if ok, err := st.CompleteIdempotencyKey(ctx, k, first.Owner, resp); err != nil || !ok {
		t.Fatalf("complete: %v %v", ok, err)
	}
	if ok, err := st.CompleteIdempotencyKey(ctx, k, "00000000-0000-0000-0000-000000000000", store.StoredResponse{Status: 500}); err != nil || ok {
		t.Fatalf("a stranger completed the claim: %v %v", ok, err)
	}
	c := claim(t, st, k, "h1")
	if c.State != store.ClaimReplay || c.Response.Status != 201 || string(c.Response.Body) != `{"id":"m1"}` ||
		c.Response.Headers["Content-Type"] != "application/json" {
		t.Fatalf("replay: %+v", c)
	}
	if c := claim(t, st, k, "h2"); c.State != store.ClaimMismatch {
		t.Fatalf("another body after completion: %+v", c)
	}

	// Scope, route and key each make another key.
	for _, other := range []store.IdempotencyKey{
		{Scope: "s2", Route: k.Route, Key: k.Key},
		{Scope: k.Scope, Route: "POST /api/v1/conversations/:id/messages id=c2", Key: k.Key},
		{Scope: k.Scope, Route: k.Route, Key: "k2"},
	} {
		if c := claim(t, st, other, "h2"); c.State != store.ClaimAcquired {
			t.Fatalf("%+v: %+v", other, c)
		}
	}
}

// A released claim (5xx, 429) is forgotten: the retry runs for real.
func TestIdempotencyKeyReleaseLetsTheRetryRun(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	k := store.IdempotencyKey{Scope: "s", Route: "POST /x", Key: "k"}
	first := claim(t, st, k, "h")
	if err := st.ReleaseIdempotencyKey(ctx, k, first.Owner); err != nil {
		t.Fatal(err)
	}
	if c := claim(t, st, k, "h"); c.State != store.ClaimAcquired || c.Owner == first.Owner {
		t.Fatalf("after release: %+v", c)
	}
}

// A claim whose holder died (its lease ran out) is taken over by the next
// request with the same body, and the late holder cannot complete it; a
// live claim is not taken over, nor is a dead one by another body.
func TestIdempotencyKeyTakeoverAfterTheLease(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	k := store.IdempotencyKey{Scope: "s", Route: "POST /x", Key: "k"}
	dead := claim(t, st, k, "h")
	st.DB().MustExec(`UPDATE idempotency_keys SET locked_at = now() - interval '3 minutes'`)
	if c := claim(t, st, k, "other"); c.State != store.ClaimMismatch {
		t.Fatalf("another body took over: %+v", c)
	}
	c := claim(t, st, k, "h")
	if c.State != store.ClaimAcquired || !c.TakenOver || c.Owner == dead.Owner {
		t.Fatalf("takeover: %+v", c)
	}
	if again := claim(t, st, k, "h"); again.State != store.ClaimRunning {
		t.Fatalf("the new holder's claim is live: %+v", again)
	}
	if ok, _ := st.CompleteIdempotencyKey(ctx, k, dead.Owner, store.StoredResponse{Status: 201}); ok {
		t.Fatal("the dead holder completed a claim taken over")
	}
	if ok, _ := st.CompleteIdempotencyKey(ctx, k, c.Owner, store.StoredResponse{Status: 202, Body: []byte("x")}); !ok {
		t.Fatal("the new holder could not complete")
	}
}

// A key older than the TTL is ignored (a new request, any body) and
// expired keys are purged by later claims.
func TestIdempotencyKeyExpiresAfterTheTTL(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	k := store.IdempotencyKey{Scope: "s", Route: "POST /x", Key: "k"}
	first := claim(t, st, k, "h")
	if ok, err := st.CompleteIdempotencyKey(ctx, k, first.Owner, store.StoredResponse{Status: 201}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	for i := range 20 {
		other := store.IdempotencyKey{Scope: "s", Route: "POST /x", Key: "old" + string(rune('a'+i))}
		claim(t, st, other, "h")
	}
	st.DB().MustExec(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours'`)
	st.DB().MustExec(`UPDATE idempotency_keys SET created_at = now() - interval '26 hours' WHERE key = 'k'`)
	if c := claim(t, st, k, "another body"); c.State != store.ClaimAcquired || c.TakenOver {
		t.Fatalf("an expired key: %+v", c)
	}
	var left int
	if err := st.DB().Get(&left, `SELECT count(*) FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`); err != nil {
		t.Fatal(err)
	}
	// 21 expired rows: the claim above purged the 16 oldest (k first) and
	// inserted k anew.
	if left != 5 {
		t.Fatalf("%d expired rows left, want 5", left)
	}
}

// Many requests with the same key at once: exactly one runs.
func TestIdempotencyKeyConcurrentClaimsAcquireOnce(t *testing.T) {
	st := storetest.New(t)
	k := store.IdempotencyKey{Scope: "s", Route: "POST /x", Key: "k"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	states := map[store.ClaimState]int{}
	for range 12 {
		wg.Go(func() {
			c, err := st.ClaimIdempotencyKey(context.Background(), k, "h", idemTimes)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			states[c.State]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if states[store.ClaimAcquired] != 1 || states[store.ClaimRunning] != 11 {
		t.Fatalf("claims: %v", states)
	}
}

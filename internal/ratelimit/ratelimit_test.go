package ratelimit

import (
	"testing"
	"time"
)

func TestBucketRefusesPastTheBurstAndRefills(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(Limit{Rate: 2, Burst: 3})
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%s, want refused with a wait of at most 0.5 s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another client was refused: buckets are per key")
	}
	if ex, _ := l.Exhausted("a"); !ex {
		t.Fatal("Exhausted should see the empty bucket")
	}
	now = now.Add(wait)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("refused after waiting Retry-After")
	}
}

func TestForgetKeepsMemoryBounded(t *testing.T) {
	l := New(Limit{Rate: 1, Burst: 1})
	l.maxKeys = 10
	for i := range 1000 {
		l.Allow(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	if n := len(l.buckets); n > 10 {
		t.Fatalf("%d buckets kept, want at most 10", n)
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{"100": {100, 200}, "5:7": {5, 7}, "0": {}, "0.5": {0.5, 1}} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "5:0", "5:x"} {
		if _, err := ParseLimit(in); err == nil {
			t.Errorf("ParseLimit(%q) accepted", in)
		}
	}
	if (Limit{}).String() != "0" || (Limit{Rate: 5, Burst: 7}).String() != "5:7" {
		t.Fatal("String does not round-trip")
	}
	if RetryAfterSeconds(1500*time.Millisecond) != "2" || RetryAfterSeconds(time.Millisecond) != "1" {
		t.Fatal("Retry-After rounding")
	}
}

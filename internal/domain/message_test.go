package domain

import "testing"

func TestStatusRankOrdersDeliveryAndFailuresAreFinal(t *testing.T) {
	order := []MessageStatus{StatusReceived, StatusQueued, StatusSending, StatusSent, StatusDelivered, StatusRead, StatusUndelivered, StatusFailed}
	for i := 1; i < len(order); i++ {
		a, _ := StatusRank(order[i-1])
		b, _ := StatusRank(order[i])
		if a >= b {
			t.Errorf("%s (%d) should rank below %s (%d)", order[i-1], a, order[i], b)
		}
	}
	if _, ok := StatusRank("bogus"); ok {
		t.Error("unknown status has a rank")
	}
	for _, s := range []MessageStatus{StatusFailed, StatusUndelivered} {
		if !s.IsFailure() {
			t.Errorf("%s is a failure", s)
		}
	}
	if StatusRead.IsFailure() {
		t.Error("read is not a failure")
	}
}

package metrics

import (
	"context"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/internal/twilio"
)

// Sender is what the SendMessage activity calls (activities.Sender).
type Sender interface {
	Send(ctx context.Context, req twilio.SendRequest) (twilio.SendResult, error)
}

// InstrumentSender counts every Twilio send by outcome and error code and
// times it:
//   - accepted: Twilio created the message;
//   - failed: created, but failed at once (a SID and an error);
//   - refused: a final error (4xx, invalid number, ...);
//   - window_closed: 63016, outside the 24-hour window;
//   - retryable: 429, 5xx, network errors (Temporal retries the activity).
func (m *Metrics) InstrumentSender(s Sender) Sender {
	return &instrumented{next: s, m: m}
}

type instrumented struct {
	next Sender
	m    *Metrics
}

func (i *instrumented) Send(ctx context.Context, req twilio.SendRequest) (twilio.SendResult, error) {
	start := time.Now()
	res, err := i.next.Send(ctx, req)
	outcome, code := "accepted", ""
	if err != nil {
		te := twilio.Classify(err)
		switch {
		case res.SID != "":
			outcome = "failed"
		case te.Kind == twilio.WindowClosed:
			outcome = "window_closed"
		case te.Kind == twilio.Retryable:
			outcome = "retryable"
		default:
			outcome = "refused"
		}
		switch {
		case te.Code != 0:
			code = strconv.Itoa(te.Code)
		case te.HTTPStatus != 0:
			code = "http_" + strconv.Itoa(te.HTTPStatus)
		}
	}
	i.m.TwilioSends.WithLabelValues(outcome, code).Inc()
	i.m.TwilioSendDuration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return res, err
}

package bench

import (
	"math"
	"slices"
	"time"
)

// Dist summarizes a set of durations (latencies, lags) in milliseconds.
type Dist struct {
	N    int     `json:"n"`
	Min  float64 `json:"min_ms"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted values by
// the nearest-rank method: the smallest value with at least p% of the
// values at or below it. It returns NaN for no values.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// Summarize computes a Dist over durations.
func Summarize(ds []time.Duration) Dist {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	return SummarizeMillis(ms)
}

// SummarizeMillis computes a Dist over values already in milliseconds.
func SummarizeMillis(ms []float64) Dist {
	if len(ms) == 0 {
		return Dist{}
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	return Dist{
		N:    len(s),
		Min:  round2(s[0]),
		P50:  round2(Percentile(s, 50)),
		P95:  round2(Percentile(s, 95)),
		P99:  round2(Percentile(s, 99)),
		Max:  round2(s[len(s)-1]),
		Mean: round2(sum / float64(len(s))),
	}
}

// Median of values (the mean of the two middle ones for an even count).
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Rate is count per second over d (0 when d is not positive).
func Rate(count int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return round2(float64(count) / d.Seconds())
}

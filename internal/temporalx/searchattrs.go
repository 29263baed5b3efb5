package temporalx

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// SearchAttributes is the Sb* set Switchboard needs (name -> type as the
// Temporal CLI spells it).
var SearchAttributes = map[string]string{
	"SbAccount":         "Keyword",
	"SbNumber":          "Keyword",
	"SbCustomer":        "Keyword",
	"SbQueue":           "Keyword",
	"SbAgent":           "Keyword",
	"SbState":           "Keyword",
	"SbMode":            "Keyword",
	"SbWindowExpiresAt": "Datetime",
	"SbSlaDeadline":     "Datetime",
}

// EnsureSearchAttributes registers the missing Sb* search attributes in
// namespace and waits until all of them are listed. It is idempotent and
// safe to run from several processes at once: whatever AddSearchAttributes
// answers (AlreadyExists, or a conflict of two concurrent additions), it
// lists again and only fails when the deadline passes with attributes still
// missing, or when one is registered with another type. Without a deadline
// on ctx it gives up after 30 s.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	want, err := WantedAttributes()
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	op := c.OperatorService()
	backoff := 100 * time.Millisecond
	var lastAddErr error
	for {
		resp, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if err != nil {
			return fmt.Errorf("list search attributes: %w", err)
		}
		missing := map[string]enumspb.IndexedValueType{}
		for name, typ := range want {
			got, ok := resp.GetCustomAttributes()[name]
			if !ok {
				got, ok = resp.GetSystemAttributes()[name]
			}
			switch {
			case !ok:
				missing[name] = typ
			case got != typ:
				return fmt.Errorf("search attribute %s is registered as %s, Switchboard needs %s", name, got, typ)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		// Any error here may be another replica's concurrent registration
		// (AlreadyExists, a metadata update conflict): list again to see.
		_, lastAddErr = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			SearchAttributes: missing, Namespace: namespace})
		if lastAddErr == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search attributes %s not registered: %w (last error: %v)",
				strings.Join(sortedKeys(missing), ","), ctx.Err(), lastAddErr)
		case <-time.After(backoff):
		}
		if backoff < 2*time.Second {
			backoff *= 2
		}
	}
}

// WantedAttributes returns SearchAttributes with the SDK's types.
func WantedAttributes() (map[string]enumspb.IndexedValueType, error) {
	want := make(map[string]enumspb.IndexedValueType, len(SearchAttributes))
	for name, typ := range SearchAttributes {
		t, err := enumspb.IndexedValueTypeFromString(typ)
		if err != nil || t == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return nil, fmt.Errorf("search attribute %s: bad type %q", name, typ)
		}
		want[name] = t
	}
	return want, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package devenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
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
}

// ReuseTemporal reports whether a Temporal frontend already answers at addr.
// If one does, it registers any missing Sb* search attributes in namespace.
func ReuseTemporal(ctx context.Context, addr, namespace string) (bool, error) {
	if namespace == "" {
		namespace = "default"
	}
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false, nil // nothing listens: caller starts a server
	}
	conn.Close()
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := dialTemporal(dctx, addr, namespace)
	if err != nil {
		return false, fmt.Errorf("%s accepts connections but is not a Temporal frontend: %w", addr, err)
	}
	defer c.Close()
	if _, err := c.WorkflowService().DescribeNamespace(dctx,
		&workflowservice.DescribeNamespaceRequest{Namespace: namespace}); err != nil {
		return true, fmt.Errorf("temporal at %s: namespace %q: %w", addr, namespace, err)
	}
	return true, EnsureSearchAttributes(ctx, c, namespace)
}

// EnsureSearchAttributes registers the missing Sb* search attributes in
// namespace (idempotent) and waits until all of them are listed.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	want, err := wantedAttributes()
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	op := c.OperatorService()
	for added := false; ; {
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
		if !added {
			added = true
			_, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
				SearchAttributes: missing, Namespace: namespace})
			var exists *serviceerror.AlreadyExists
			if err != nil && !errors.As(err, &exists) {
				return fmt.Errorf("add search attributes %s: %w", strings.Join(sortedKeys(missing), ","), err)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search attributes %s not visible: %w", strings.Join(sortedKeys(missing), ","), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func wantedAttributes() (map[string]enumspb.IndexedValueType, error) {
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

// probeTemporal succeeds once the frontend answers, namespace exists and the
// search attributes are registered (adding any missing, e.g. when an existing
// DB file was created without them).
func probeTemporal(ctx context.Context, addr, namespace string) error {
	c, err := dialTemporal(ctx, addr, namespace)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.WorkflowService().DescribeNamespace(ctx,
		&workflowservice.DescribeNamespaceRequest{Namespace: namespace}); err != nil {
		return fmt.Errorf("describe namespace %q: %w", namespace, err)
	}
	return EnsureSearchAttributes(ctx, c, namespace)
}

func dialTemporal(ctx context.Context, addr, namespace string) (client.Client, error) {
	return client.DialContext(ctx, client.Options{
		HostPort:          addr,
		Namespace:         namespace,
		Logger:            nopLogger{},
		ConnectionOptions: client.ConnectionOptions{GetSystemInfoTimeout: 2 * time.Second},
	})
}

// nopLogger discards the SDK's log output.
type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

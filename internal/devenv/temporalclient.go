package devenv

import (
	"context"
	"fmt"
	"net"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/temporalx"
)

// SearchAttributes is the Sb* set Switchboard needs (temporalx owns it).
var SearchAttributes = temporalx.SearchAttributes

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
// namespace (see temporalx.EnsureSearchAttributes).
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	return temporalx.EnsureSearchAttributes(ctx, c, namespace)
}

func wantedAttributes() (map[string]enumspb.IndexedValueType, error) {
	return temporalx.WantedAttributes()
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

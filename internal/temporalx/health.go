package temporalx

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// CheckNamespace reports whether the frontend answers and the namespace exists.
func CheckNamespace(ctx context.Context, c client.Client, namespace string) error {
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace}); err != nil {
		return fmt.Errorf("namespace %q: %w", namespace, err)
	}
	return nil
}

// CheckPollers reports whether some worker polls the task queue for
// workflow tasks (Temporal lists pollers seen in the last minutes).
func CheckPollers(ctx context.Context, c client.Client, taskQueue string) (int, error) {
	resp, err := c.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return 0, fmt.Errorf("task queue %q: %w", taskQueue, err)
	}
	n := len(resp.GetPollers())
	if n == 0 {
		return 0, fmt.Errorf("no worker polls task queue %q", taskQueue)
	}
	return n, nil
}

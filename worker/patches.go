package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/workflows"
)

// Patch modes (SWITCHBOARD_WORKFLOW_PATCHES).
const (
	// PatchesAuto records a patch at its newest version only while every
	// worker polling the task queue knows it (the default).
	PatchesAuto = "auto"
	// PatchesOn records every patch at its newest version at once: a
	// deployment that starts empty, or whose old workers are known gone.
	PatchesOn = "on"
	// PatchesOff keeps every patch dormant (for a rollout the gate cannot
	// see, e.g. old workers in another namespace's view).
	PatchesOff = "off"
)

// PollerWindow is how recently a worker must have polled to count as
// present. An idle worker's pollers come back at least once a minute (a
// long poll ends after about 60 s); a worker gone for longer than this no
// longer holds patches back.
const PollerWindow = 90 * time.Second

// buildPrefix starts the build ID of every Switchboard worker; the number
// after "-p" is the build's patch level (how many of workflows.Patches it
// knows). Workers from before patch levels existed poll with the SDK's
// default build ID (a checksum): level 0.
const buildPrefix = "switchboard-p"

// BuildID names this build for Temporal: its patch level and its code.
func BuildID() string {
	return buildPrefix + strconv.Itoa(len(workflows.Patches)) + "-" + codeRevision()
}

// PatchLevel reads the patch level from a worker's build ID (0 when it is
// not one of ours).
func PatchLevel(buildID string) int {
	rest, ok := strings.CutPrefix(buildID, buildPrefix)
	if !ok {
		return 0
	}
	n, _, _ := strings.Cut(rest, "-")
	level, err := strconv.Atoi(n)
	if err != nil {
		return 0
	}
	return level
}

// codeRevision is the VCS revision the binary was built from, else a hash
// of the executable (tests, `go run`).
var codeRevision = sync.OnceValue(func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if len(rev) >= 12 && modified != "true" {
			return rev[:12]
		}
	}
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			defer f.Close()
			h := sha256.New()
			if _, err := io.Copy(h, f); err == nil {
				return hex.EncodeToString(h.Sum(nil))[:12]
			}
		}
	}
	return "unknown"
})

// PatchGate decides which workflow patches a worker records at their newest
// version: a patch is switched on only once no worker that lacks it polls
// the task queue, so that no older worker is ever handed a history written
// by code it cannot replay (it would fail the task with a nondeterminism
// error). Until then the worker records the patch dormant
// (workflow.DefaultVersion) and runs the old branch, which older workers
// replay: old and new builds poll side by side during a rolling deploy.
type PatchGate struct {
	client    client.Client
	namespace string
	taskQueue string
	mode      string
	logger    *slog.Logger
	// active is how many of workflows.Patches are switched on.
	active atomic.Int64
	// Window and Every tune the poller check (tests shorten them).
	Window, Every time.Duration
}

// NewPatchGate returns a gate in mode (auto, on, off); it allows nothing
// until Refresh has seen the task queue.
func NewPatchGate(c client.Client, namespace, taskQueue, mode string, logger *slog.Logger) *PatchGate {
	g := &PatchGate{client: c, namespace: namespace, taskQueue: taskQueue, mode: mode, logger: logger, Window: PollerWindow, Every: 10 * time.Second}
	switch mode {
	case PatchesOn:
		g.active.Store(int64(len(workflows.Patches)))
	case PatchesOff:
	default:
		g.mode = PatchesAuto
	}
	return g
}

// Active is how many patches are switched on now.
func (g *PatchGate) Active() int { return int(g.active.Load()) }

// Refresh looks at the workers polling the task queue: every patch the
// oldest of them knows is switched on.
func (g *PatchGate) Refresh(ctx context.Context) error {
	if g.mode != PatchesAuto {
		return nil
	}
	resp, err := g.client.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     g.namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: g.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
	})
	if err != nil {
		return err
	}
	mine := len(workflows.Patches)
	level := mine
	since := time.Now().Add(-g.Window)
	oldest, newer := "", ""
	for _, p := range resp.GetPollers() {
		if p.GetLastAccessTime().AsTime().Before(since) {
			continue
		}
		//lint:ignore SA1019 the build ID a poller reports, versioned or not
		l := PatchLevel(p.GetWorkerVersionCapabilities().GetBuildId())
		if l < level {
			level, oldest = l, p.GetIdentity()
		}
		if l > mine {
			newer = p.GetIdentity()
		}
	}
	if newer != "" {
		// A rollback, or a straggler restarted after the deploy: histories
		// the newer build wrote with its patches on fail here (Temporal
		// retries their tasks until a newer worker takes them).
		g.logger.Error("a newer build polls this task queue; this worker cannot replay what it wrote with its newer patches",
			"newer", newer, "patch_level", mine)
	}
	if prev := g.active.Swap(int64(level)); prev != int64(level) {
		g.logger.Info("workflow patches switched", "active", level, "known", len(workflows.Patches), "held_back_by", oldest)
	}
	return nil
}

// Run refreshes the gate until ctx ends.
func (g *PatchGate) Run(ctx context.Context) {
	if g.mode != PatchesAuto {
		return
	}
	t := time.NewTicker(g.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := g.Refresh(ctx); err != nil && ctx.Err() == nil {
				g.logger.Warn("cannot see the task queue's pollers; workflow patches stay as they were", "err", err)
			}
		}
	}
}

// Apply sets the worker options the gate needs: this build's ID and the
// version preference that keeps patches dormant until switched on.
func (g *PatchGate) Apply(o *sdkworker.Options) {
	// Not Worker Deployment versioning (docs/deploys.md says why): the
	// build ID is only what the poller list shows other workers.
	//lint:ignore SA1019 the unversioned build ID is what we want
	o.BuildID = BuildID()
	o.PreferredVersionProvider = func(in sdkworker.PreferredVersionProviderInput) *sdkworker.VersionPreference {
		for i, p := range workflows.Patches {
			if p == in.ChangeID && i >= g.Active() {
				return &sdkworker.VersionPreference{Version: workflow.DefaultVersion}
			}
		}
		return nil
	}
}

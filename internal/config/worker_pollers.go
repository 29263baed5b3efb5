package config

// DefaultWorkerPollers is how many long polls a worker keeps open per task
// type. The SDK's 2 leave tasks waiting for a poll under load. Measured by
// `switchboard-bench` on two cores, with the baseline polled the same way:
// 8 opened conversations 46 % faster than 2; 16 raised the ingest ratio to
// the no-op baseline from 0.73 to 0.83 and opened the window phase's 1,000
// conversations in 11 s instead of 34; 32 fell back to 0.66 (workflow tasks
// then contend for the CPU and the database pool).
const DefaultWorkerPollers = 16

// workerPollersFromEnv reads SWITCHBOARD_WORKER_POLLERS.
func (c *Config) workerPollersFromEnv() {
	c.intFromEnv("SWITCHBOARD_WORKER_POLLERS", &c.WorkerPollers, 2, "one sticky and one normal workflow task poll")
}

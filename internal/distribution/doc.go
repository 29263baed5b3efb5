// Package distribution assigns queued conversations to agents — push
// (Switchboard assigns) and pick (agents take) — never over capacity,
// never twice, in priority then FIFO order, as soon as an agent can take
// one. README.md beside this file is the design: the one lock and the
// invariant it keeps, the outbox, the races, the proof and the timings.
//
// Dispatcher is the SQL: every decision (Enqueue, Dispatch, Release,
// DispatchForAgent, Claim, AssignTo, Reconcile, CloseAbandoned) in one
// transaction under the dispatch lock, the assignment outbox and the
// views (load, waiting line). Service is what a process uses: each
// decision with the assignments it made for other conversations signalled
// to their workflows, and Run, the loop that delivers what the outbox
// still holds and reconciles every minute. The conversation workflow
// reaches it through activities.Distribution; the API through a small
// interface of its own.
package distribution

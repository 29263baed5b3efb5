// Package workflows holds the conversation workflow: one durable workflow
// per (WhatsApp number, customer), ID conv:<number_id>:<customer_e164>,
// that keeps WhatsApp's 24-hour window, routes the conversation and sends
// every reply.
//
// # States
//
//	         customer message / proactive template
//	                        │
//	               ┌────────▼────────┐  handoff (keyword, bot asks, bot fails)
//	(new) ──────▶  │       bot       │─────────────────────┐
//	    │          └────────┬────────┘                     │
//	    │                   │ transfer to an agent         ▼
//	    │                   │                    ┌──────────────────┐
//	    └───────────────────┼──────────────────▶ │      queued      │◀─┐ transfer to a queue
//	                        │                    └────────┬─────────┘  │
//	                        │      assigned (dispatcher), │ accept     │
//	                        ▼      transfer to an agent   ▼            │
//	               ┌─────────────────────────────────────────────┐     │
//	               │                  assigned                   │─────┘
//	               └──────────────────────┬──────────────────────┘
//	  close (signal, update, inactivity,  │  from bot, queued or assigned
//	  cancellation, channel deleted)      ▼
//	               ┌──────────────┐   ┌──────────┐   ┌──────────┐
//	               │   wrap_up    │──▶│  survey  │──▶│  closed  │
//	               │ (holds the   │   │ (window  │   └──────────┘
//	               │  capacity)   │   │  open)   │
//	               └──────────────┘   └──────────┘
//
// wrap_up applies when the agent holds capacity and the workstream has a
// wrap-up time; survey when the workstream has one and the window is open.
// lifecycle.go's transition table is the authority; setState refuses (and
// logs at error level, which the tests watch) anything else.
//
// # Who changes what
//
// The main loop (conversation.run) is the only code that changes the
// conversation's state, queue, agent and close request. Everything else
// hands it an event (events.go) and, for updates, waits for the answer:
//
//   - signals inbound, delivery, assigned, transfer, close: collected into
//     events by the loop itself;
//   - updates accept, transfer, close: validated at once (nothing written
//     to history when refused), then a call the loop answers;
//   - the send update: stores the message and puts it in the outbox itself
//     (it changes nothing but the outbox), answering at once;
//   - the window and inactivity timers (window.go, inactivity.go): one lazy
//     timer each, whose deadline moves; they post events;
//   - the sender (outbound.go): hands the outbox to Twilio in order, one
//     message at a time, and posts an event when Twilio says 63016.
//
// # Timers
//
// The window (last customer message + 24 h, a warning 2 h before), the
// inactivity timeout, the survey timeout, the wrap-up, and each pending
// capacity release. None is cancelled when its deadline moves.
//
// # Continue-as-new and the next conversation
//
// When Temporal suggests it, the loop first settles (every event applied,
// every update answered, no message in Twilio's hands), then continues as
// new with the state: counters, window, outbox, pending releases; never the
// transcript, which lives in PostgreSQL. Customer messages that arrive
// while a conversation closes open the next conversation in a new run
// under the same workflow ID, which takes over the pending releases.
//
// # Database calls
//
// Every database call the conversation depends on goes through durably
// (durable.go): a local activity bounded well under the workflow task
// timeout, then a regular activity Temporal retries on its side for as long
// as it takes. An outage of hours costs a few history events.
//
// # Changing this code
//
// A change to the commands the workflow issues goes behind a patch
// (patches.go): workflow.GetVersion with a new change ID, old behaviour at
// DefaultVersion, and the change ID appended to Patches. The worker records
// the new version only once every worker polling the task queue knows the
// patch (worker/patches.go), so old and new builds share a task queue
// during a rolling deploy. Record a history of the new code and add it to
// replay_test.go. docs/deploys.md has the procedure.
package workflows

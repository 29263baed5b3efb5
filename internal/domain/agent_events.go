package domain

// Agent event types, as the SSE stream names them.
const (
	EventAssignment         = "assignment"
	EventMessage            = "message"
	EventDeliveryStatus     = "delivery_status"
	EventWindowWarning      = "window_warning"
	EventWindowClosed       = "window_closed"
	EventConversationClosed = "conversation_closed"
	EventSLAWarning         = "sla_warning"      // a service-level target is about to be missed
	EventSLABreach          = "sla_breach"       // a service-level target was missed
	EventFollowupSkipped    = "followup_skipped" // a scheduled follow-up could not be sent
)
